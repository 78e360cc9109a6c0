#!/usr/bin/env bash
# Runs test programs/scripts; each prints its own result line, "N passed, N failed[, N skipped]"
# (tests/lib.sh). Sums them into the final result line; exit 1 if anything failed.
. "$(dirname "$0")/lib.sh"
for t in "$@"; do
	[ -e "$t" ] || continue
	echo "== $t"
	t0=$SECONDS
	out=$("$t" 2>&1); rc=$?
	printf '%s\n' "$out"
	echo "== $t: $((SECONDS - t0)) s"
	f0=$nfail
	if ! counts_add "$(grep -E "$RESULT_RE" <<<"$out" | tail -n 1)"; then
		fail "$t: exited $rc without a result line"
	elif [ "$rc" -ne 0 ] && [ "$nfail" -eq "$f0" ]; then
		fail "$t: exited $rc"
	fi
done
counts_line
[ "$nfail" -eq 0 ]
