#!/usr/bin/env bash
# Runs in a guest: the matrix cases on one PI device, through the engine.
#   tests/vm/cases.sh NAME DEV KERNEL ABI [PHASE]
# ABI: sqe128 or attr (the kernel must honour it), or "none" (the kernel
# has no PI path: every PI job must be refused, plain jobs must pass).
# PHASE: all (default); medium-write / medium-read for the two boots of the
# corruption-on-the-medium case (tests/vm/matrix.sh flips bytes in between);
# two-files: NAME is A+B, DEV is DEVA:DEVB, two devices of different formats
# in one fio job (filename=DEVA:DEVB).
# ENGINE_SO: the engine to test (default engines/uring_pi.so).
# One line per case:
#   CASE <kernel> <device> <abi> <case> expect=<x> seen=<y> ok|FAIL
# or "skip <kernel>/<device>/<abi>/<case>: WHY" for a case this device or pass does not have,
# and a last line "N passed, N failed, N skipped".
# Each case is a function, listed in the table of its phase below with what it requires. Its id is
# KERNEL/DEVICE/ABI/CASE (a matrix row's first four columns). CASES=PATTERN[,PATTERN...] runs only
# the cases whose id (a pattern with a /) or name (one without) matches a pattern (shell globs),
# and before a selected case the ones whose writes it reads (need).
# shellcheck disable=SC2046 # $(region ...) is two fio options, split into two words on purpose
#   tests/vm/cases.sh --list FORMAT ABI [PHASE]: the names of the cases of that phase, one a line.
#   tests/vm/cases.sh --ids NAME KERNEL ABI [PHASE]: the ids of the cases a run on device NAME would
#   run (selected, and what they require there), one a line; no guest.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lib.sh
. scripts/lib.sh # device_field
if [ "${1:-}" = --list ]; then
	format=$2 abi=$3 phase=${4:-all} name=- kernel=- scsi=0 type=1 interval=512 list=1
elif [ "${1:-}" = --ids ]; then
	name=$2 kernel=$3 abi=$4 phase=${5:-all} list=ids
	read -r format interval <<<"$(device_field "${name%%+*}" format interval)"
else
	name=$1 dev=$2 kernel=$3 abi=$4 phase=${5:-all} list=0
	blk=/sys/block/$(basename "${dev%%:*}")
	format=$(cat "$blk/integrity/format")
	interval=$(cat "$blk/integrity/protection_interval_bytes")
fi
# Refusals are recorded as bad input (tests/lib.sh), from here: the host's tests/vm/matrix.sh keeps them.
BAD_WHERE="$kernel $name $abi" BAD_DEV=${dev:-}
FIO=build/fio/fio
ENGINE_SO=${ENGINE_SO:-engines/uring_pi.so}
type=1
case "$format" in *TYPE3*) type=3 ;; esac
# The checks the format has (Type 3: no ref tag).
all=GUARD,REFTAG,APPTAG
[ "$type" = 3 ] && all=GUARD,APPTAG
scsi=0
[ "$list" = 1 ] || [ "$(device_field "${name%%+*}" kind)" != scsi ] || scsi=1
MEDIUM_LBA=${MEDIUM_LBA:-37}

report() { # report CASE EXPECT SEEN
	local r=FAIL
	if [ "$2" = "$3" ]; then r=ok; npass=$((npass + 1)); else nfail=$((nfail + 1)); fi
	echo "CASE $kernel $name $abi $1 expect=$2 seen=$3 $r"
	if [ "$r" = FAIL ]; then printf '%s\n' "$out" | grep -vE '^ *$' | tail -n 12 | sed 's/^/     | /'; fi
}

# pi ARGS: a PI job on the device; output in $out (stderr also in $err), status in $rc.
pi() {
	kept_at=
	run_cmd env LD_PRELOAD="${PRELOAD:-}" "$FIO" --name=c --ioengine=external:"$ENGINE_SO" --filename="$dev" \
		--direct=1 --pi_act=0 --pi_abi="${ABI_OPT:-$abi}" --verify_state_save=0 "$@"
}

# What a PI job did, in one word:
#   pass     exit 0, no error, the summary shows no PI error
#   refused  the engine refused before any I/O (message in $out)
#   EILSEQ   I/O failed with EILSEQ (the device's or the engine's check)
#   error    anything else
outcome() {
	if grep -q '^uring_pi: .*\(refusing\|is too small\|not a multiple\|ignores the PI\|has no io_uring PI\)' <<<"$out"; then
		echo refused
	elif [ "$rc" -eq 0 ] && grep -q 'err= 0' <<<"$out" && grep -q ', 0 errors (' <<<"$out"; then
		echo pass
	elif grep -qE 'err=84|error=Invalid or incomplete multibyte' <<<"$out"; then
		echo EILSEQ
	else
		echo "error(rc=$rc)"
	fi
}

# summary FIELD: a number from the engine's PI summary line.
summary() {
	local s
	s=$(grep -o 'PI summary: .*' <<<"$out" | tail -n 1)
	case "$1" in
	generated) sed -n 's/.*summary: \([0-9]*\) intervals generated.*/\1/p' <<<"$s" ;;
	checked) sed -n 's/.*generated, \([0-9]*\) checked.*/\1/p' <<<"$s" ;;
	escaped) sed -n 's/.* \([0-9]*\) escaped.*/\1/p' <<<"$s" ;;
	injected) sed -n 's/.*injected \([0-9]*\):.*/\1/p' <<<"$s" ;;
	rejected) sed -n 's/.* \([0-9]*\) rejected.*/\1/p' <<<"$s" ;;
	silent) sed -n 's/.* \([0-9]*\) silent.*/\1/p' <<<"$s" ;;
	esac
}

i=$interval
region() { echo "--offset=$(($1 * 1048576)) --size=${2:-1}m"; }

# refused CASE AREA MIB REGEX ARGS...: a PI job on MiB MIB of the device (pi ARGS) must be refused before
# any I/O, with an engine line matching REGEX (empty: any refusal outcome knows). Recorded as bad input of
# AREA, with whether the start of the MiB still holds the pattern written before (kept_at: the MiB
# where the last refusal left it intact, and no other job ran since). OFF=NAME: integrity/NAME off for the job.
refused() {
	local case=$1 area=$2 mib=$3 re=$4 written=- seen had=${kept_at:-}
	shift 4
	[ "$had" = "$mib" ] || pattern_write "$dev" "$mib"
	[ -z "${OFF:-}" ] || echo 0 >"$blk/integrity/$OFF"
	pi $(region "$mib") "$@"
	[ -z "${OFF:-}" ] || echo 1 >"$blk/integrity/$OFF"
	pattern_kept "$dev" "$mib" && written=no kept_at=$mib || written=yes
	bad_input "$area" "$case" refused "$rc" "$err" "$written"
	seen=$(outcome)
	if [ -n "$re" ]; then
		if [ "$rc" -ne 0 ] && grep -qE -- "^uring_pi: .*$re" <<<"$err"; then seen=refused
		elif [ "$seen" = refused ]; then seen=refused-other; fi
	fi
	report "$case" refused "$seen"
}

# verified ARGS: a random write+verify job through the engine with ARGS; $seen is pass or error.
# Used without PI (plain I/O) and with pi_act=1 (the kernel generates and checks PI).
verified() {
	kept_at=
	out=$("$FIO" --name=c --ioengine=external:"$ENGINE_SO" --filename="$dev" --direct=1 \
		--rw=randwrite --bs=4k --size=4m --iodepth=16 --verify=crc32c --do_verify=1 \
		--verify_state_save=0 "$@" 2>&1); rc=$?
	seen=error
	[ $rc -eq 0 ] && grep -q 'err= 0' <<<"$out" && seen=pass
}
plain() { verified --offset=64m; }
kernel_pi() { verified --offset=96m --pi_act=1 --pi_chk=GUARD,REFTAG; }


# ---- The cases. Each c_NAME runs one case and reports it (report or refused).
c_pi_no_profile() { # no integrity profile: PI refused, whatever the kernel's interface
	ABI_OPT=auto refused "pi-no-profile" devices 0 'has no PI integrity profile' --rw=write --bs=4k --pi_chk=GUARD
}
c_two_files_write_verify() {
	# Each file keeps the metadata size and checks of its own format. The second device first: the
	# metadata buffers grow for the file opened later (refused before).
	local d=$dev gen chk
	dev="${d#*:}:${d%%:*}"
	pi --size=4m --rw=randwrite --bsrange=4k-16k --blockalign=4k --iodepth=16 \
		--pi_chk=GUARD,REFTAG,APPTAG --verify=crc32c --do_verify=1 --verify_fatal=1
	dev=$d
	seen=$(outcome) gen=$(summary generated) chk=$(summary checked)
	[ "$seen" = pass ] && { [ -z "$gen" ] || [ "$gen" = 0 ] || [ "$gen" != "$chk" ]; } && seen="generated=$gen,checked=$chk"
	report "two-files-write-verify" pass "$seen"
}
c_two_files_inject_reftag() {
	# Injected ref tags, files in turn: rejected on the Type 1 device (whose device checks must
	# have REFTAG, not the Type 3 file's set), silent on the Type 3 one (no ref tag there).
	local inj rej sil
	pi --size=4m --rw=randwrite --bs=4k --iodepth=8 --pi_chk=GUARD,REFTAG,APPTAG --pi_inject=reftag \
		--continue_on_error=all --number_ios=40
	inj=$(summary injected) rej=$(summary rejected) sil=$(summary silent)
	seen="injected=${inj:-?},rejected=${rej:-?},silent=${sil:-?}"
	[ -n "$inj" ] && [ "$inj" -ge 40 ] && [ $((rej + sil)) = "$inj" ] && [ $((rej - sil)) -ge -1 ] &&
		[ $((rej - sil)) -le 1 ] && seen=type1-rejected
	report "two-files-inject-reftag" type1-rejected "$seen"
}
c_pi_refused() { # ABI: no PI path in this kernel: refused, never run unprotected
	ABI_OPT=$1 refused "pi-refused-$1" kernels 0 '' --rw=write --bs="$i" --pi_chk=$all
}
c_medium_write() { # boot 1 of 2: a region written with PI; the host corrupts LBA MEDIUM_LBA in the image
	pi --offset=0 --size=$((64 * i)) --rw=write --bs=$((8 * i)) --pi_chk=$all
	report "medium-write" pass "$(outcome)"
}
c_medium_corrupt_device_guard() { # boot 2 of 2: the device catches it when it checks the guard ...
	pi --offset=0 --size=$((64 * i)) --rw=read --bs=$((8 * i)) --pi_chk=$all
	report "medium-corrupt-device-guard" EILSEQ "$(outcome)"
}
c_medium_corrupt_engine_guard() { # ... and the engine does when it does not, naming the LBA
	pi --offset=0 --size=$((64 * i)) --rw=read --bs=$((8 * i)) --pi_chk=${all#GUARD,}
	seen=$(outcome)
	[ "$seen" = EILSEQ ] && ! grep -q "PI guard mismatch at LBA $MEDIUM_LBA:" <<<"$out" && seen="EILSEQ-wrong-LBA"
	report "medium-corrupt-engine-guard" EILSEQ "$seen"
}
# Ordinary I/O through the engine is unchanged by the kernel's PI path.
c_plain_write_verify() { plain; report "plain-write-verify" pass "$seen"; }
c_kernel_pi_write_verify() { kernel_pi; report "kernel-pi-write-verify" pass "$seen"; }
c_sqe128_refused() { # a kernel without the extended SQE (all but the patched one) must refuse it
	ABI_OPT=sqe128 refused "sqe128-refused" kernels 0 'ignores the PI descriptor of pi_abi=sqe128' --rw=write \
		--bs="$i" --pi_chk=$all
}
# Must pass: write then read back, tags checked by the device and the engine, data by fio's verify.
v=(--verify=crc32c --do_verify=1 --verify_fatal=1)
c_seq_write_verify_qd1_bs1() { # region 0, app tag 0x1234 (the engine's default)
	pi $(region 0 2) --rw=write --bs="$i" --iodepth=1 --pi_chk=$all "${v[@]}"
	seen=$(outcome); [ "$seen" = pass ] && [ "$(summary checked)" = 0 ] && seen=pass-unchecked
	report "seq-write-verify-qd1-bs1" pass "$seen"
}
c_rand_write_verify_qd32_bs1_16() {
	pi $(region 2 2) --rw=randwrite --bsrange="$i"-$((16 * i)) --blockalign="$i" --iodepth=32 --pi_chk=$all "${v[@]}"
	report "rand-write-verify-qd32-bs1..16" pass "$(outcome)"
}
c_seq_write_verify_qd32_bs16() { # region 4
	pi $(region 4 2) --rw=write --bs=$((16 * i)) --iodepth=32 --iodepth_batch_submit=8 --pi_chk=$all "${v[@]}"
	report "seq-write-verify-qd32-bs16" pass "$(outcome)"
}
# Reads completed short (tests/vm/short_read.c halves each one at submission and counts the bytes
# it submits): fio requeues the rest, the engine checks what completed: every byte read, once.
c_short_read_checked() {
	local cnt=/tmp/short_read.$$ chk bytes shortened
	[ -f build/tests/short_read.so ] || { report "short-read-checked" pass "no-shim(make build/tests/short_read.so)"; return; }
	need seq-write-verify-qd32-bs16
	echo "0 0 0" >"$cnt"
	SHORT_READ_COUNT=$cnt PRELOAD=build/tests/short_read.so pi $(region 4 2) --rw=read --bs=$((16 * i)) \
		--iodepth=8 --pi_chk=$all
	seen=$(outcome) chk=$(summary checked)
	read -r _ bytes shortened <"$cnt"
	rm -f "$cnt"
	[ "$seen" = pass ] && { [ -z "$bytes" ] || [ "$((${chk:-0} * i))" != "$bytes" ] || [ "${shortened:-0}" = 0 ]; } &&
		seen="checked=${chk:-?}x$i,read=${bytes:-?},shortened=${shortened:-?}"
	report "short-read-checked" pass "$seen"
}
# A read whose metadata nothing fills (tests/vm/short_read.c with SHORT_READ_MODE=nopi takes the PI flag
# off every read) fails with the engine's EILSEQ: a one-block write+verify at depth 1 (region 10), so the
# read lands in the slot that wrote the block; the engine checks what the device returned, not the slot.
c_read_md_unfilled() {
	[ -f build/tests/short_read.so ] || { report read-md-unfilled EILSEQ "no-shim(make build/tests/short_read.so)"; return; }
	SHORT_READ_MODE=nopi PRELOAD=build/tests/short_read.so pi --offset=$((10 * 1048576)) --size="$i" --bs="$i" \
		--iodepth=1 --rw=write --pi_chk=$all "${v[@]}"
	seen=$(outcome)
	[ "$seen" = EILSEQ ] && ! grep -q '^uring_pi: .* mismatch at LBA' <<<"$out" && seen=EILSEQ-not-the-engine
	report read-md-unfilled EILSEQ "$seen"
}
# Tags written with apptag 0x1234 (region 0): masked and unchecked mismatches pass.
c_apptag_mismatch_masked() {
	need seq-write-verify-qd1-bs1
	pi $(region 0 2) --rw=read --bs=$((4 * i)) --pi_chk=$all --apptag=0x12ff --apptag_mask=0xff00
	report "apptag-mismatch-masked" pass "$(outcome)"
}
c_apptag_mismatch_unchecked() {
	need seq-write-verify-qd1-bs1
	pi $(region 0 2) --rw=read --bs=$((4 * i)) --pi_chk=${all%,APPTAG} --apptag=0x5678
	report "apptag-mismatch-unchecked" pass "$(outcome)"
}
# Written with the 0xffff escape (region 6): the device checks nothing; a reader expecting another app
# tag fails each escaped interval (pi_escape=fail, the default) or accepts and counts it.
c_escape_write() {
	pi $(region 6) --rw=write --bs=$((4 * i)) --pi_chk=$all --apptag=0xffff
	report "escape-write" pass "$(outcome)"
}
# escaped_read CASE EXPECT ARGS...: a read of region 12 or 6 (ARGS), all its intervals escaped.
escaped_read() {
	local case=$1 want=$2
	shift 2
	pi "$@" --rw=read --bs=$((4 * i)) --pi_chk=$all
	seen=$(outcome)
	if [ "$want" = EILSEQ ]; then
		[ "$seen" = EILSEQ ] && ! grep -q '^uring_pi: .*: PI escape at LBA' <<<"$out" && seen=EILSEQ-unreported
	else
		[ "$seen" = pass ] && [ "$(summary escaped)/$(summary checked)" != $((1048576 / i))/0 ] &&
			seen="escaped=$(summary escaped),checked=$(summary checked)"
	fi
	report "$case" "$want" "$seen"
}
c_escape_read_own() { need escape-write; escaped_read escape-read-own pass $(region 6) --apptag=0xffff; }
c_escape_read_fail() { need escape-write; escaped_read escape-read-fail EILSEQ $(region 6) --apptag=0x4321; }
c_escape_read_accept() {
	need escape-write
	escaped_read escape-read-accept pass $(region 6) --apptag=0x4321 --pi_escape=accept
}
# Never written (region 12): QEMU's NVMe reads unwritten blocks back all-ones, escaped tuples the
# device does not check; the engine fails them unless told to accept them.
c_unwritten_read_fail() { escaped_read unwritten-read-fail EILSEQ $(region 12); }
c_unwritten_read_accept() { escaped_read unwritten-read-accept pass $(region 12) --pi_escape=accept; }
# Must fail: an app tag mismatch on read (the device checks it on NVMe; on scsi_debug the engine does).
c_apptag_mismatch_read() {
	need seq-write-verify-qd1-bs1
	pi $(region 0 2) --rw=read --bs=$((4 * i)) --pi_chk=$all --apptag=0x4321
	seen=$(outcome)
	[ "$seen" = EILSEQ ] && [ $scsi = 1 ] && ! grep -q 'PI apptag mismatch at LBA' <<<"$out" && seen=EILSEQ-unreported
	report "apptag-mismatch-read" EILSEQ "$seen"
}
# Must fail, and say why: blocks written with the kernel's PI off keep, on scsi_debug (sd leaves their PI to
# an HBA it does not emulate), the tags of what was there before; the engine's first PI read finds them.
c_stale_pi_read() {
	pi $(region 14) --rw=write --bs=$((4 * i)) --pi_chk=$all
	echo 0 >"$blk/integrity/write_generate"
	pattern_write "$dev" 14
	echo 1 >"$blk/integrity/write_generate"
	pi $(region 14) --rw=read --bs=$((4 * i)) --pi_chk=$all
	seen=$(outcome)
	[ "$seen" = EILSEQ ] && ! grep -q "^uring_pi: .*: the PI read at byte $((14 << 20)) failed the device's check (EILSEQ)" <<<"$out" &&
		seen=EILSEQ-unexplained
	report stale-pi-read EILSEQ "$seen"
}
# injected CASE N ARGS...: N writes of region 8 with corrupted tags (ARGS): every one rejected by the
# device, none silent.
injected() {
	local case=$1 n=$2 inj rej sil
	shift 2
	pi $(region 8 2) --rw=randwrite --bs=$((2 * i)) --iodepth=8 --pi_chk=$all "$@" --continue_on_error=all --number_ios="$n"
	inj=$(summary injected) rej=$(summary rejected) sil=$(summary silent)
	seen="injected=${inj:-?},rejected=${rej:-?},silent=${sil:-?}"
	[ -n "$inj" ] && [ "$inj" -gt 0 ] && [ "$inj" = "$rej" ] && [ "$sil" = 0 ] && seen='all-rejected'
	report "$case" all-rejected "$seen"
}
c_inject_50pct() { injected "inject-$1-50pct" 200 --pi_inject="$1" --pi_inject_pct=50; }
# An app tag one bit from the escape: the corrupted tag is never the escape (which the device would skip).
c_inject_apptag_fffe() { injected inject-apptag-fffe 100 --pi_inject=apptag --apptag=0xfffe; }
c_inject_rate_0() {
	pi $(region 8 2) --rw=randwrite --bs=$((2 * i)) --pi_chk=$all --pi_inject=guard --pi_inject_pct=0 \
		--number_ios=100
	report "inject-rate-0" pass "$(outcome)"
}
# Must fail before any I/O: md_per_io_size one byte short, bs not a multiple of the interval, an
# offset not a multiple of the interval (512-byte intervals: an offset off by less is refused by
# O_DIRECT itself), pi_act=1 with the kernel's PI generation off, on SCSI an app tag nobody checks.
c_md_one_byte_short() {
	local md
	md=$(cat "$blk/metadata_bytes" 2>/dev/null || echo 8)
	refused "md-one-byte-short" "metadata buffers" 10 "md_per_io_size=$((4 * md - 1)) is too small" --rw=write \
		--bs=$((4 * i)) --pi_chk=$all --md_per_io_size=$((4 * md - 1))
}
c_bs_not_multiple() {
	refused "bs-not-multiple" options 10 "is not a multiple of the $i-byte protection interval" --rw=write \
		--bs=$((i + i / 2)) --pi_chk=$all
}
c_offset_not_multiple() {
	refused "offset-not-multiple" options 10 "offset $((10 * 1048576 + 512)) is not a multiple" \
		--rw=write --bs="$i" --pi_chk=$all --offset=$((10 * 1048576 + 512))
}
c_kernel_pi_write_generate_off() {
	OFF=write_generate refused "kernel-pi-write_generate-off" devices 10 'integrity/write_generate is off' \
		--rw=write --bs="$i" --pi_act=1 --pi_chk=GUARD,REFTAG
}
c_scsi_apptag_pi_verify_0() {
	refused "scsi-apptag-pi_verify-0" devices 10 'cannot check the app tag' --rw=write --bs="$i" \
		--pi_chk=$all --pi_verify=0
}

# ---- Requirements: has REQ succeeds when this device and pass have REQ, else sets $why.
has() {
	case $1 in
	-) return 0 ;;
	nvme) why="scsi_debug has no such case"; [ $scsi = 0 ] ;;
	scsi) why="a scsi_debug case"; [ $scsi = 1 ] ;;
	reftag) why="Type 3 has no ref tag"; [ "$type" != 3 ] ;;
	apptag-checked) why="scsi_debug does not check the app tag"; [ $scsi = 0 ] ;;
	big-interval) why="512-byte intervals: O_DIRECT refuses such an offset itself"; [ "$i" -gt 512 ] ;;
	no-sqe128) why="this kernel has the extended SQE"; [ "$abi" = attr ] && [ "${kernel%-debug}" != patched ] ;;
	write_generate) why="tried on nvme-512-8-t1 and on scsi_debug"; [ "$name" = nvme-512-8-t1 ] || [ $scsi = 1 ] ;;
	*) why="unknown requirement $1"; return 1 ;;
	esac
}
# The table of the phase: lines "CASE REQUIREMENTS FUNCTION [ARG]" (REQUIREMENTS: comma-separated, or -).
table() {
	if [ "$format" = none ]; then
		echo "pi-no-profile - c_pi_no_profile"
	elif [ "$phase" = two-files ]; then
		echo "two-files-write-verify - c_two_files_write_verify"
		echo "two-files-inject-reftag - c_two_files_inject_reftag"
	elif [ "$abi" = none ]; then
		for a in auto sqe128 attr; do echo "pi-refused-$a - c_pi_refused $a"; done
		echo "plain-write-verify - c_plain_write_verify"
		echo "kernel-pi-write-verify - c_kernel_pi_write_verify"
	elif [ "$phase" = medium-write ]; then
		echo "medium-write - c_medium_write"
	elif [ "$phase" = medium-read ]; then
		echo "medium-corrupt-device-guard - c_medium_corrupt_device_guard"
		echo "medium-corrupt-engine-guard - c_medium_corrupt_engine_guard"
	else
		cat <<-'EOF'
			plain-write-verify - c_plain_write_verify
			kernel-pi-write-verify - c_kernel_pi_write_verify
			sqe128-refused no-sqe128 c_sqe128_refused
			seq-write-verify-qd1-bs1 - c_seq_write_verify_qd1_bs1
			rand-write-verify-qd32-bs1..16 - c_rand_write_verify_qd32_bs1_16
			seq-write-verify-qd32-bs16 - c_seq_write_verify_qd32_bs16
			short-read-checked - c_short_read_checked
			read-md-unfilled - c_read_md_unfilled
			apptag-mismatch-masked - c_apptag_mismatch_masked
			apptag-mismatch-unchecked - c_apptag_mismatch_unchecked
			escape-write - c_escape_write
			escape-read-own - c_escape_read_own
			escape-read-fail - c_escape_read_fail
			escape-read-accept - c_escape_read_accept
			unwritten-read-fail nvme c_unwritten_read_fail
			unwritten-read-accept nvme c_unwritten_read_accept
			apptag-mismatch-read - c_apptag_mismatch_read
			stale-pi-read scsi c_stale_pi_read
			inject-guard-50pct - c_inject_50pct guard
			inject-reftag-50pct reftag c_inject_50pct reftag
			inject-apptag-50pct apptag-checked c_inject_50pct apptag
			inject-apptag-fffe nvme c_inject_apptag_fffe
			inject-rate-0 - c_inject_rate_0
			md-one-byte-short - c_md_one_byte_short
			bs-not-multiple - c_bs_not_multiple
			offset-not-multiple big-interval c_offset_not_multiple
			kernel-pi-write_generate-off write_generate c_kernel_pi_write_generate_off
			scsi-apptag-pi_verify-0 scsi c_scsi_apptag_pi_verify_0
		EOF
	fi
}
mapfile -t TABLE < <(table)
[ "$list" != 1 ] || { printf '%s\n' "${TABLE[@]}" | awk '{print $1}'; exit 0; }
declare -A ran=()
# run CASE: runs CASE (once) when this device and pass have what it requires, else a counted skip.
run() {
	local c=$1 line req fn arg r why
	[ -z "${ran[$c]:-}" ] || return 0
	ran[$c]=1
	for line in "${TABLE[@]}"; do
		read -r name_ req fn arg <<<"$line"
		[ "$name_" = "$c" ] || continue
		for r in ${req//,/ }; do has "$r" || { [ "$list" = ids ] || skip "$kernel/$name/$abi/$c: $why"; return 0; }; done
		if [ "$list" = ids ]; then
			# and first the cases it needs (the need lines of its function)
			for r in $(declare -f "$fn" | sed -n 's/^ *need \([^ ;]*\).*/\1/p'); do run "$r"; done
			echo "$kernel/$name/$abi/$c"
		else
			"$fn" ${arg:+"$arg"}
		fi
		return 0
	done
	fail "$kernel/$name/$abi/$c: no such case in the table of this phase"
}
# need CASE: the case whose writes this one reads runs first, whether CASES selects it or not.
need() { run "$1"; }

n=0
for line in "${TABLE[@]}"; do
	read -r c _ <<<"$line"
	case_selected "$kernel/$name/$abi/$c" || continue
	n=$((n + 1))
	run "$c"
done
[ "$list" = 0 ] || exit 0
[ $n -gt 0 ] || [ -z "${CASES:-}" ] || echo "# CASES=$CASES selects no case of $kernel/$name/$abi ($phase)"
counts_line
