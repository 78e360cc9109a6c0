#!/usr/bin/env bash
# tests/run.sh [-j N] TEST... [-j N TEST...]: runs test programs/scripts, those after "-j N" N at a
# time (default 1); each prints its own result line, "N passed, N failed[, N skipped]" (tests/lib.sh),
# and its output is shown whole when it ends, with its wall time and the CPU time of its processes
# (user + system, all cores: the machine is CPU-bound, so this is what a test costs the run). Sums them
# into the final result line; exit 1 if anything failed.
. "$(dirname "$0")/lib.sh"
jobs=1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# report I TEST: test number I has ended: its output, time and counts.
report() {
	local rc secs cpu out
	read -r rc secs cpu <"$dir/$1.rc"
	out=$(<"$dir/$1.out")
	echo "== $2"
	printf '%s\n' "$out"
	echo "== $2: $secs s, $cpu cpu-s"
	f0=$nfail
	if ! counts_add "$(grep -E "$RESULT_RE" <<<"$out" | tail -n 1)"; then
		fail "$2: exited $rc without a result line"
	elif [ "$rc" -ne 0 ] && [ "$nfail" -eq "$f0" ]; then
		fail "$2: exited $rc"
	fi
}
# reap: report the tests that have ended.
declare -A running=()
reap() {
	local i
	for i in "${!running[@]}"; do
		[ -e "$dir/$i.rc" ] || continue
		report "$i" "${running[$i]}"
		unset "running[$i]"
	done
}
n=0
while [ $# -gt 0 ]; do
	t=$1
	shift
	if [ "$t" = -j ]; then
		jobs=$1
		shift
		continue
	fi
	[ -x "$t" ] || { fail "$t: no such test program (or not executable)"; continue; }
	while [ ${#running[@]} -ge "$jobs" ]; do wait -n; reap; done
	n=$((n + 1))
	running[$n]=$t
	(
		t0=$SECONDS
		"$t" >"$dir/$n.out" 2>&1
		rc=$?
		# times' second line: the user and system time of this subshell's children (the test, waited for).
		times >"$dir/$n.times"
		cpu=$(awk 'NR == 2 { split($1, u, /[ms]/); split($2, s, /[ms]/); printf "%d", u[1] * 60 + u[2] + s[1] * 60 + s[2] }' "$dir/$n.times")
		echo "$rc $((SECONDS - t0)) $cpu" >"$dir/$n.rc.tmp" && mv "$dir/$n.rc.tmp" "$dir/$n.rc"
	) &
done
while [ ${#running[@]} -gt 0 ]; do wait -n; reap; done
counts_line
[ "$nfail" -eq 0 ]
