#!/usr/bin/env bash
# Runs test programs/scripts; each prints its own "N passed, N failed" line.
# Sums them into the final "N passed, N failed" line; exit 1 if anything failed.
passed=0 failed=0
for t in "$@"; do
	[ -e "$t" ] || continue
	echo "== $t"
	t0=$SECONDS
	out=$("$t" 2>&1); rc=$?
	printf '%s\n' "$out"
	echo "== $t: $((SECONDS - t0)) s"
	line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1)
	if [ -z "$line" ]; then
		echo "FAIL $t: exited $rc without a result line"
		failed=$((failed + 1))
		continue
	fi
	p=${line%% passed*}; f=${line#*passed, }; f=${f%% failed*}
	passed=$((passed + p)); failed=$((failed + f))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL $t: exited $rc"
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
