#!/usr/bin/env bash
# The fuzz harnesses (tests/fuzz/fuzz_*.c, built by make into build/fuzz/). Each replays its seed corpus
# (tests/fuzz/corpus/NAME) with the gcc build, then runs libFuzzer for FUZZ_S seconds (default 5: the
# short run of make check; make fuzz FUZZ_S=N for long ones) from the seeds and what earlier runs kept
# (build/fuzz/corpus/NAME). A failure leaves its input in build/fuzz/NAME-crash-* (or -leak-, -timeout-,
# -oom-): replay it with build/fuzz/replay_NAME FILE, and make it a unit test.
source "$(dirname "$0")/../lib.sh"
secs=${FUZZ_S:-5}
b=$TOP/build/fuzz
[ -w /dev/shm ] && shm=/dev/shm || shm=${TMPDIR:-/tmp}
tmp=$(mktemp -d "$shm/upi-fuzz.XXXXXX"); trap 'rm -rf "$tmp"' EXIT
for src in "$TOP"/tests/fuzz/fuzz_*.c; do
	name=${src##*/fuzz_}; name=${name%.c}
	seeds=$TOP/tests/fuzz/corpus/$name
	if [ ! -x "$b/fuzz_$name" ] || [ ! -x "$b/replay_$name" ]; then
		fail "fuzz $name: $b/fuzz_$name or replay_$name is missing (make $b/fuzz_$name builds it)"
		continue
	fi
	if out=$(TMPDIR=$tmp "$b/replay_$name" "$seeds" 2>&1); then
		pass "fuzz $name: $(grep -o 'replayed [0-9]* inputs' <<<"$out") of the seed corpus (gcc build)"
	else
		fail "fuzz $name: the seed corpus replay failed"; grep -v '^ *$' <<<"$out" | head -n 12 | sed 's/^/     /'
	fi
	mkdir -p "$b/corpus/$name"
	rm -f "$b/$name-"{crash,leak,timeout,oom}-*
	TMPDIR=$tmp "$b/fuzz_$name" -max_total_time="$secs" -max_len=4096 -timeout=10 -print_final_stats=1 \
		-artifact_prefix="$b/$name-" "$b/corpus/$name" "$seeds" >"$b/$name.log" 2>&1
	rc=$?
	execs=$(awk '/^stat::number_of_executed_units:/ {print $2}' "$b/$name.log")
	if [ $rc -eq 0 ] && [ -n "$execs" ]; then
		pass "fuzz $name: $execs executions in $secs s, no failure (corpus $(ls "$b/corpus/$name" | wc -l) inputs)"
	else
		fail "fuzz $name: libFuzzer exited $rc after ${execs:-?} executions (log $b/$name.log; input $(ls "$b/$name-"{crash,leak,timeout,oom}-* 2>/dev/null | head -n 1))"
		grep -aE 'fuzz property failed|ERROR: |runtime error|SUMMARY' "$b/$name.log" | head -n 5 | sed 's/^/     /'
	fi
done
done_tests
