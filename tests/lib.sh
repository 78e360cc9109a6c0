# shellcheck shell=bash
# Shared by the test scripts (sourced): counting and fio helpers.
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FIO=${FIO:-$TOP/build/fio/fio}
ENGINE=external:${ENGINE_SO:-$TOP/engines/uring_pi.so}
# ---- Counting, the same in every test: one line per check, "ok   WHAT", "FAIL WHAT" (details after
# it, indented) or "skip WHAT: WHY" (a check this machine or build cannot make), and last the result
# line "N passed, N failed, N skipped" (done_tests), which tests/run.sh adds up. A test fails when a
# check failed; a skip does not fail it.
npass=0 nfail=0 nskip=0
pass() { npass=$((npass + 1)); echo "ok   $*"; }
fail() { nfail=$((nfail + 1)); echo "FAIL $*"; }
skip() { nskip=$((nskip + 1)); echo "skip $*"; }
RESULT_RE='^([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?$'
# counts_add LINE: a result line's counts added to ours; false when LINE is not a result line.
counts_add() {
	[[ $1 =~ $RESULT_RE ]] || return 1
	npass=$((npass + BASH_REMATCH[1])) nfail=$((nfail + BASH_REMATCH[2])) nskip=$((nskip + ${BASH_REMATCH[4]:-0}))
}
# counts_from FILE: counts_add of FILE's last result line; false when it has none.
counts_from() { counts_add "$(grep -E "$RESULT_RE" "$1" | tail -n 1)"; }
# guest_ok NAME RC LOG: the exit status RC of a guest (vm/vm.sh) whose result lines in LOG are counted
# counts: 0, or 1 when those lines have a failure; anything else is a failure of its own, named NAME
# (124: the time limit, 125: an oops or panic, after the last case too), with the log's last lines.
guest_ok() {
	local f why="exit $2"
	f=$(grep -E "$RESULT_RE" "$3" | awk -F'[ ,]+' '{ s += $3 } END { print s + 0 }')
	{ [ "$2" = 0 ] || { [ "$2" = 1 ] && [ "$f" -gt 0 ]; }; } && return 0
	case $2 in 124) why="timed out (exit 124)" ;; 125) why="kernel oops, panic or stop (exit 125)" ;; esac
	fail "$1: guest $why (log: $3)"
	tail -n 5 "$3" | sed 's/^/     | /'
	return 1
}
# in_list WORD LIST: WORD is one of LIST (names, space- or comma-separated).
in_list() { [[ " ${2//,/ } " == *" $1 "* ]]; }
# counts_line: our result line; the test's exit status follows from it: done_tests.
counts_line() { echo "$npass passed, $nfail failed, $nskip skipped"; }
# case_selected KERNEL/DEVICE/ABI/CASE: CASES (comma-separated shell globs; unset: every case) selects
# that case: a pattern with a / is matched against the whole id, one without against the case's name.
case_selected() {
	local p pats
	[ -n "${CASES:-}" ] || return 0
	IFS=, read -r -a pats <<<"$CASES"
	for p in "${pats[@]}"; do
		# shellcheck disable=SC2053 # the pattern is a glob
		case $p in */*) [[ $1 == $p ]] && return 0 ;; *) [[ ${1##*/} == $p ]] && return 0 ;; esac
	done
	return 1
}
done_tests() {
	san_ok || fail "sanitizer report outside the cases above$san_msg"
	[ -n "${SAN_LOG:-}" ] && rmdir "$SAN_LOG" 2>/dev/null
	counts_line; [ "$nfail" -eq 0 ]
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

# run_cmd CMD...: runs CMD; its stderr in $err, stdout then stderr in $out, exit status in $rc.
run_cmd() {
	local ef
	ef=$(mktemp)
	out=$("$@" 2>"$ef"); rc=$?
	err=$(<"$ef"); rm -f "$ef"
	out+=${err:+$'\n'$err}
}
# fio writes a job's verify state where it runs when the job fails: AUX_PATH, an --aux-path under
# build/ (in a guest, where build/ is read-only, TMPDIR).
AUX_PATH=$TOP/build/fio-aux
[ -w "$TOP/build" ] && mkdir -p "$AUX_PATH" || AUX_PATH=${TMPDIR:-/tmp}
# fio_engine ARGS...: fio with the engine (and the sanitizer runtime); runfio ARGS...: run_cmd of it.
fio_engine() { LD_PRELOAD=$SAN_PRELOAD "$FIO" --aux-path="$AUX_PATH" --ioengine="$ENGINE" "$@"; }
runfio() { run_cmd fio_engine "$@"; }
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
# expect_fail NAME REGEX CMD...: CMD exits non-zero and its output matches REGEX.
# BAD=AREA: a trial of bad input, refused before any I/O, recorded as one (bad_input); BAD_TARGET=PATH
# too: PATH's start gets the pattern before, and the record says whether the pattern is still there.
expect_fail() {
	local name=$1 re=$2 written=-; shift 2
	[ -z "${BAD_TARGET:-}" ] || pattern_write "$BAD_TARGET" 0
	run_cmd "$@"
	if [ -n "${BAD_TARGET:-}" ]; then pattern_kept "$BAD_TARGET" 0 && written=no || written=yes; fi
	[ -z "${BAD:-}" ] || bad_input "$BAD" "$name" refused "$rc" "$err" "$written"
	if san_ok "$out" && [ "$rc" -ne 0 ] && grep -qE -- "$re" <<<"$out"; then
		pass "$name"
	else
		fail "$name (rc=$rc, wanted /$re/)$san_msg"; printf '%s\n' "$out" | tail -n 15 | sed 's/^/     /'
	fi
}
# expect_err NAME REGEX ARGS...: expect_fail of fio with the engine.
expect_err() {
	local name=$1 re=$2; shift 2
	expect_fail "$name" "$re" fio_engine "$@"
}

# ---- Bad input, counted: each trial is one record, turned into docs/bad-input.md and judged by
# tests/bad-input.sh. A record is a line of tab-separated fields:
#   AREA INPUT WHERE KIND STATUS LINES WRITTEN SEEN
# KIND refused: bad input refused before any I/O (must be one line, a non-zero exit, nothing written);
# caught: bad data found during I/O (a job error); errno: a kernel ABI misuse, STATUS the result (-errno).
# WHERE: host, or what the guest script sets in BAD_WHERE (kernel, device, ABI). LINES: the lines that
# say what is wrong (stderr without fio's own "init failed"/"failed parsing" lines, which follow every
# refusal). WRITTEN: no or yes (the target's pattern), - (not looked at). SEEN: the line that says it,
# with this machine's paths, temporary names, device numbers and build-ids made generic.
# On the host the records go to build/bad-input/SCRIPT.tsv (SCRIPT.asan.tsv for a sanitized engine),
# emptied when the script starts; in a guest (build/ is read-only there) they are printed as
# "bad-input<TAB>RECORD" lines, and the host adds them from the guest's log (bad_input_collect).
# TEST_OUT (a test's own output directory, tests/vm/planted.sh) keeps them there, apart.
bad_input_file=
if [ -w "$TOP/build" ]; then
	bad_input_file=${TEST_OUT:-$TOP/build/bad-input}/$(basename "$0" .sh)${SAN_PRELOAD:+.asan}.tsv
	mkdir -p "${bad_input_file%/*}" && rm -f "$bad_input_file"
fi
# bad_input AREA INPUT KIND STATUS TEXT [WRITTEN]: one record. TEXT: refused, the program's stderr;
# otherwise the line the user sees. Sets $bad_lines.
bad_input() {
	local said seen rec
	said=$(grep -vE '^[[:space:]]*$|^fio: (io engine .* init failed\.|failed parsing .*)$' <<<"$5")
	[ -n "$said" ] || said=$(grep -vE '^[[:space:]]*$' <<<"$5")
	seen=$(grep -m 1 '^uring_pi: ' <<<"$said" || head -n 1 <<<"$said")
	bad_lines=-
	[ "$3" = refused ] && bad_lines=$(grep -c . <<<"$said")
	rec=$(printf '%s\t' "$1" "$(bad_generic "$2")" "${BAD_WHERE:-host}" "$3" "$4" "$bad_lines" "${6:--}")
	rec+=$(bad_generic "$seen")
	if [ -n "$bad_input_file" ]; then printf '%s\n' "$rec" >>"$bad_input_file"; else printf 'bad-input\t%s\n' "$rec"; fi
}
# bad_generic TEXT: TEXT without what changes from run to run: the repository's path, temporary
# directories (TMP), build-ids, the device under test (BAD_DEV=PATH, shown as DEV); tabs as spaces.
bad_generic() {
	sed -E -e "s|$TOP/||g; s|$TOP|.|g" -e 's|/tmp/tmp\.[A-Za-z0-9]+|TMP|g; s|[0-9a-f]{40}|BUILD-ID|g; s/\t/ /g' \
		${BAD_DEV:+-e "s|$BAD_DEV|DEV|g"} <<<"$1"
}
# bad_input_collect LOG: the records a guest printed into LOG, added to this script's.
bad_input_collect() {
	[ -z "$bad_input_file" ] || sed -n 's/^bad-input\t//p' "$1" >>"$bad_input_file"
}
# bad_input_kabi LOG KERNEL: the kernel ABI misuse cases of a tests/vm/kabi.sh guest log (pi_abi_test run
# with VERBOSE=1 prints every check; "== DEVICE" lines name the device), one errno record each:
# "ok ... [ABI] FILE:LINE: CASE: EXPECTED, got -ERRNO (ERROR)".
bad_input_kabi() {
	local line dev=
	while IFS= read -r line; do
		case $line in
		"== ["*) ;;
		"== "*) dev=${line#== } ;;
		ok*)
			[[ $line =~ ^ok\ +\[([a-z0-9]+)\]\ [^\ ]+:[0-9]+:\ (.+):\ [^,]+,\ got\ (-[0-9]+)\ \((.+)\)$ ]] || continue
			BAD_WHERE="$2 $dev ${BASH_REMATCH[1]}" bad_input "kernel ABI" "${BASH_REMATCH[2]}" errno \
				"${BASH_REMATCH[3]}" "${BASH_REMATCH[4]}"
			;;
		esac
	done <"$1"
}
# pattern_write PATH MIB: 64 KiB of a known pattern (a file made once in TMPDIR) at the start of MiB number
# MIB of PATH, with O_DIRECT; pattern_kept PATH MIB: they are still there (read through the page cache,
# which direct writes invalidate and buffered ones fill).
pattern_file=${TMPDIR:-/tmp}/uring-pi-pattern.$(id -u)
pattern_write() {
	[ -s "$pattern_file" ] || { head -c 65536 /dev/zero | tr '\0' P >"$pattern_file.$$" && mv -f "$pattern_file.$$" "$pattern_file"; }
	dd if="$pattern_file" of="$1" bs=64k seek=$(($2 * 16)) count=1 oflag=direct conv=notrunc status=none
}
pattern_kept() { cmp -s -n 65536 -i $(($2 << 20)):0 "$1" "$pattern_file"; }
