# Shared by the test scripts (sourced): counting and fio helpers.
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FIO=${FIO:-$TOP/build/fio/fio}
ENGINE=external:${ENGINE_SO:-$TOP/engines/uring_pi.so}
npass=0 nfail=0
pass() { npass=$((npass + 1)); echo "ok   $*"; }
fail() { nfail=$((nfail + 1)); echo "FAIL $*"; }
done_tests() {
	san_ok || fail "sanitizer report outside the cases above$san_msg"
	[ -n "${SAN_LOG:-}" ] && rmdir "$SAN_LOG" 2>/dev/null
	echo "$npass passed, $nfail failed"; [ "$nfail" -eq 0 ]
}

# An engine built with SANITIZE=1 (ASan + UBSan, build/asan/uring_pi.so) runs inside the plain fio with its
# runtime preloaded: SAN_PRELOAD goes first in LD_PRELOAD of every fio run. Each report is written to
# build/asan/reports/ and fails the case it appeared in (san_ok), whatever fio's exit status: an expected
# refusal with a report is a failure too. Leaks: fio's own (tests/host/lsan-fio.supp) are suppressed; fio
# ends forked job processes with _exit, so the engine's leaks are seen where jobs run with --thread.
SAN_PRELOAD=$(ldd "${ENGINE#external:}" 2>/dev/null | awk '/\/lib(asan|ubsan)\.so/ {print $3}' | paste -sd:)
if [ -n "$SAN_PRELOAD" ]; then
	SAN_LOG=$TOP/build/asan/reports/$(basename "$0" .sh).$$
	mkdir -p "$SAN_LOG"
	export ASAN_OPTIONS=halt_on_error=1:abort_on_error=1:detect_leaks=1:log_path=$SAN_LOG/asan
	export LSAN_OPTIONS=suppressions=$TOP/tests/host/lsan-fio.supp:print_suppressions=0
	export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1:log_path=$SAN_LOG/ubsan
fi
# san_ok [OUTPUT]: no sanitizer report since the last call, nor in OUTPUT (UBSan beside ASan ignores
# log_path and reports on stderr); else false, with the reports' first lines in $san_msg.
san_ok() {
	local r
	san_msg=
	for r in "${SAN_LOG:-/nonexistent}"/*san.*; do
		[ -e "$r" ] || continue
		san_msg+=$'\n'"     sanitizer report $r:"$'\n'$(grep -v '^ *$' "$r" | head -n 12 | sed 's/^/     /')
		mv "$r" "$(dirname "$r")/../$(basename "$SAN_LOG").$(basename "$r")"
	done
	if [ -n "${SAN_LOG:-}" ] && grep -qE 'runtime error:|==[0-9]+==ERROR:' <<<"${1:-}"; then
		san_msg+=$'\n'"     sanitizer report in the output:"$'\n'$(grep -E -A 6 'runtime error:|==[0-9]+==ERROR:' <<<"$1" | head -n 12 | sed 's/^/     /')
	fi
	[ -z "$san_msg" ]
}

# runfio ARGS...: runs fio with the engine; output in $out, exit status in $rc.
runfio() {
	out=$(LD_PRELOAD=$SAN_PRELOAD "$FIO" --ioengine="$ENGINE" "$@" 2>&1); rc=$?
}
# expect_ok NAME ARGS...: fio exits 0 and reports err=0 for every job.
expect_ok() {
	local name=$1; shift
	runfio "$@"
	if san_ok "$out" && [ "$rc" -eq 0 ] && grep -q 'err= 0' <<<"$out" && ! grep -qE 'err= *[1-9]' <<<"$out"; then
		pass "$name"
	else
		fail "$name (rc=$rc)$san_msg"; printf '%s\n' "$out" | tail -n 15 | sed 's/^/     /'
	fi
}
# expect_err NAME REGEX ARGS...: fio exits non-zero and its output matches REGEX.
expect_err() {
	local name=$1 re=$2; shift 2
	runfio "$@"
	if san_ok "$out" && [ "$rc" -ne 0 ] && grep -qE -- "$re" <<<"$out"; then
		pass "$name"
	else
		fail "$name (rc=$rc, wanted /$re/)$san_msg"; printf '%s\n' "$out" | tail -n 15 | sed 's/^/     /'
	fi
}
