# Shared by the test scripts (sourced): counting and fio helpers.
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FIO=${FIO:-$TOP/build/fio/fio}
ENGINE=external:${ENGINE_SO:-$TOP/engines/uring_pi.so}
npass=0 nfail=0
pass() { npass=$((npass + 1)); echo "ok   $*"; }
fail() { nfail=$((nfail + 1)); echo "FAIL $*"; }
done_tests() { echo "$npass passed, $nfail failed"; [ "$nfail" -eq 0 ]; }

# runfio ARGS...: runs fio with the engine; output in $out, exit status in $rc.
runfio() {
	out=$("$FIO" --ioengine="$ENGINE" "$@" 2>&1); rc=$?
}
# expect_ok NAME ARGS...: fio exits 0 and reports err=0 for every job.
expect_ok() {
	local name=$1; shift
	runfio "$@"
	if [ "$rc" -eq 0 ] && grep -q 'err= 0' <<<"$out" && ! grep -qE 'err= *[1-9]' <<<"$out"; then
		pass "$name"
	else
		fail "$name (rc=$rc)"; printf '%s\n' "$out" | tail -n 15 | sed 's/^/     /'
	fi
}
# expect_err NAME REGEX ARGS...: fio exits non-zero and its output matches REGEX.
expect_err() {
	local name=$1 re=$2; shift 2
	runfio "$@"
	if [ "$rc" -ne 0 ] && grep -qE -- "$re" <<<"$out"; then
		pass "$name"
	else
		fail "$name (rc=$rc, wanted /$re/)"; printf '%s\n' "$out" | tail -n 15 | sed 's/^/     /'
	fi
}
