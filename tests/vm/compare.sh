#!/bin/bash
# tests/vm/compare.sh [KERNEL]: compare/compare.sh on tiny runs, under its defaults (TIMING=icount,
# scsi-dif-crc, THRESHOLD=auto: 2 %). One kernel (default patched), itself again and itself with a
# planted cost of 5 % of the time per I/O in user space (fio thinkcycles) must exit 1 and name the
# slowed rows and no other; in make check-full (FULL=1) so must patched-slow against itself with a
# busy loop per bio in blk-mq (SLOW_IN=kernel). One round of the kernel on a set of two devices, PI
# modes after mode none's writes and fio's io_uring as the peer mode, must have rows for both devices
# and the peer, and the PI modes must run on the same blocks. A PI mode the kernel lacks is refused
# (exit 2, saying why); HOSTS= runs on a fio --server; usage errors are one line and exit 2.
set -uo pipefail
. "$(dirname "$0")/../../scripts/lib.sh"
. "$TOP/tests/lib.sh"
cd "$TOP" || exit 1
k=${1:-patched}
TMP=$(mktemp -d)
server=
cleanup() { [ -z "$server" ] || kill "$server" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT

tiny=(JOBS=randread-4k MODES=off RUNTIME=2 RAMP=1 REPEAT=3 SIZE=16m)

# compare NAME EXPECTED_RC SLOWED_LABEL_OR_EMPTY [VAR=VALUE...]
compare() {
	local name=$1 want=$2 slow=$3 rc t0=$SECONDS out=$BUILD/compare-test/$1
	shift 3
	env "${tiny[@]}" OUT="$out" "$@" compare/compare.sh >"$TMP/$name.out" 2>"$TMP/$name.err"
	rc=$?
	if [ "$rc" = "$want" ]; then
		pass "$name: exit $rc ($((SECONDS - t0)) s)"
	else
		fail "$name: exit $rc, want $want ($((SECONDS - t0)) s)"
		tail -n 5 "$TMP/$name.err" "$TMP/$name.out" | sed 's/^/     /'
	fi
	[ -s "$out/report.md" ] && [ -s "$out/report.png" ] && ls "$out"/raw/*/r1/*/*.json >/dev/null 2>&1 &&
		pass "$name: report.md, report.png and raw JSON" || fail "$name: report.md, report.png or raw JSON missing in $out"
	if [ -n "$slow" ]; then
		if grep -q "^| $slow | .*\*\*WORSE\*\*" "$out/report.md" && grep -q "WORSE: $slow [^ ]* randread-4k/qd[0-9]* PI off" "$TMP/$name.out"; then
			pass "$name: report and output name the slowed row ($(grep -o "WORSE: $slow [^ ]* randread-4k/qd[0-9]*" "$TMP/$name.out" | head -n 1))"
		else
			fail "$name: the slowed row $slow is not named WORSE"
			grep -E 'WORSE|^\| ' "$out/report.md" | sed 's/^/     /'
		fi
	fi
	# no row of a kernel that was not slowed is called worse
	if grep -E '^(\| .*\*\*WORSE|- WORSE)' "$out/report.md" | grep -vE "^(\| |- WORSE: )$slow " >"$TMP/$name.worse"; then
		fail "$name: a row of a kernel not slowed is marked WORSE"
		sed 's/^/     /' "$TMP/$name.worse"
	else
		pass "$name: no row of a kernel not slowed is marked WORSE"
	fi
}

if { vm/kernel.sh "$k" >"$TMP/kernel.log" 2>&1 || [ -f "$k" ]; } && vm/kernel.sh "$STOCK" >>"$TMP/kernel.log" 2>&1; then
	# Under icount a kernel against itself differs by less than 0.5 % (docs/perf.md, section 7): a
	# planted 5 % is beyond the default 2 % threshold, the kernel not slowed within it, in 2 rounds.
	compare slowed 1 slow KERNELS="base=$k again=$k slow=$k" SLOW=slow SLOW_PCT=5 REPEAT=2
	# the kernel-side cost: a busy loop per bio (tests/kernel/slow-submit.patch), make check-full only
	if [ "${FULL:-}" != 1 ]; then
		skip "kslowed: SLOW_IN=kernel needs patched-slow, built for make check-full"
	elif vm/kernel.sh patched-slow >"$TMP/kernel-slow.log" 2>&1; then
		compare kslowed 1 slow KERNELS="base=patched-slow slow=patched-slow" SLOW=slow SLOW_IN=kernel SLOW_PCT=5 REPEAT=2
	else
		fail "patched-slow did not build: $(tail -n 1 "$TMP/kernel-slow.log")"
	fi
	# One round on two devices: mode none writes without PI, and scsi_debug does not make the PI the
	# kernel leaves out: the PI modes after it must still find the tags of what was written (the device
	# is filled again); fio's io_uring is the peer mode.
	compare modes 0 "" REPEAT=1 KERNELS="$k" JOBS=randwrite-4k MODES="none engine-attr off fio" RUNTIME=1 \
		DEVICE=scsi-dif-crc,nvme-512-8-t1
	raw=$BUILD/compare-test/modes/raw/$k/r1 report=$BUILD/compare-test/modes/report.md
	[ -s "$raw/scsi-dif-crc/randwrite-4k.none.json" ] && [ -s "$raw/scsi-dif-crc/randwrite-4k.engine-attr.json" ] &&
		pass "modes: randwrite-4k in mode none, then engine-attr on the same blocks" ||
		fail "modes: want results of none and engine-attr in $raw/scsi-dif-crc"
	# the peer mode ran (fio's own io_uring engine) and the report sets the modes against each other
	if grep -qx 'ioengine=io_uring' "$raw/scsi-dif-crc/randwrite-4k.fio.fio" && [ -s "$raw/scsi-dif-crc/randwrite-4k.fio.json" ] &&
		grep -q "^| scsi-dif-crc randwrite-4k/qd1 | engine PI off / fio io_uring | 1 | .* | IOPS >= 0.97: " "$report"; then
		pass "modes: fio's io_uring ran as the peer; the report has engine PI off / fio io_uring"
	else
		fail "modes: no peer result or no modes table in the report"
	fi
	# the device set: every device measured, each with its own rows
	n=$(grep -cE "^\| $k( \(baseline\))? \| 1 \|" "$report")
	if grep -q '^## nvme-512-8-t1 randwrite-4k/qd32 — PI fio (paced)' "$report" && [ "$n" = 16 ]; then
		pass "modes: both devices of DEVICE=scsi-dif-crc,nvme-512-8-t1, 16 rows (2 devices x 2 jobs x 4 modes)"
	else
		fail "modes: want rows for both devices, 16 of 1 round; found $n"
	fi
	# a PI mode the kernel lacks, asked for by name: exit 2 and say which and why
	env "${tiny[@]}" REPEAT=1 KERNELS="$STOCK" MODES="off engine-sqe128" OUT="$BUILD/compare-test/nomode" compare/compare.sh \
		>"$TMP/nomode.out" 2>"$TMP/nomode.err"
	rc=$?
	if [ $rc = 2 ] && grep -q "mode engine-sqe128 does not run on $STOCK (scsi-dif-crc): .*uring_pi" "$TMP/nomode.err" &&
		ls "$BUILD/compare-test/nomode/raw/$STOCK/r1/scsi-dif-crc/randread-4k.off.json" >/dev/null 2>&1; then
		pass "nomode: exit 2, $(grep -o 'mode engine-sqe128 does not run.*' "$TMP/nomode.err" | cut -c 1-150)"
	else
		fail "nomode: exit $rc, want 2 with the reason and the off results"
		tail -n 5 "$TMP/nomode.err" | sed 's/^/     /'
	fi
else
	fail "kernel $k or $STOCK is not built: $(tail -n 1 "$TMP/kernel.log")"
fi

# HOSTS=: a fio --server on the loopback, the engine with PI off on a file
port=$((20000 + RANDOM % 20000))
truncate -s 16m "$TMP/target.img"
"$BUILD/fio/fio" --server="ip:127.0.0.1,$port" >"$TMP/server.log" 2>&1 &
server=$!
sleep 1
if kill -0 "$server" 2>/dev/null; then
	# Natively, on a machine the rest of make check keeps busy: the verdict is noise there (a planted
	# cost of 100 % was once within the interval), so this checks the path, not the verdict (which
	# the icount runs above check): both hosts measured, the planted cost applied to the slowed one.
	h=127.0.0.1:$port out=$BUILD/compare-test/hosts
	env "${tiny[@]}" OUT="$out" HOSTS="base=$h,slow=$h" SLOW=slow SLOW_PCT=100 DEV="$TMP/target.img" \
		compare/compare.sh >"$TMP/hosts.out" 2>"$TMP/hosts.err"
	rc=$?
	if [ $rc -le 1 ] && grep -q '^| base (baseline) | 3 |' "$out/report.md" &&
		grep -q '^| slow | 3 | .*(planted [0-9]* ns/IO: ' "$out/report.md" && ls "$out"/raw/slow/r3/*/*.json >/dev/null 2>&1; then
		pass "hosts: exit $rc; base and slow measured 3 rounds each through fio --server, the planted cost on slow"
	else
		fail "hosts: exit $rc; want rows of base and slow (3 rounds), slow with its planted cost"
		tail -n 5 "$TMP/hosts.err" "$out/report.md" | sed 's/^/     /'
	fi
else
	fail "fio --server on 127.0.0.1:$port did not start: $(tail -n 2 "$TMP/server.log")"
fi

# usage errors: exit 2 and one line saying what is wrong, before any guest boots
for c in "MODES=bogus|MODES: unknown PI mode bogus" "GATE=iops,foo|GATE=iops,foo: foo is not one of" \
	"THRESHOLD=ten|THRESHOLD=ten: want auto or a percentage" "REPEAT=0|REPEAT=0: want a count" \
	"HOSTS=a=127.0.0.1:1|HOSTS= needs DEV=" "JOBS=nosuch|no job file jobs/perf/nosuch.fio" \
	"TIMING=wall|TIMING=wall: want icount or real" "SLOW_PCT=3x|SLOW_PCT=3x: want a percentage" \
	"SLOW_IN=bios|SLOW_IN=bios: want user or kernel" "HOSTS=a=127.0.0.1:1 DEV=x SLOW_IN=kernel|SLOW_IN=kernel is for guests"; do
	t0=$SECONDS
	read -ra vars <<<"${c%%|*}"
	env -u DEV "${vars[@]}" OUT="$TMP/usage" compare/compare.sh >"$TMP/usage.out" 2>"$TMP/usage.err"
	rc=$?
	if [ $rc = 2 ] && [ "$(wc -l <"$TMP/usage.err")" = 1 ] && grep -qF "uring-pi: compare: ${c#*|}" "$TMP/usage.err" &&
		[ $((SECONDS - t0)) -lt 10 ]; then
		pass "usage ${c%%|*}: exit 2, $(cat "$TMP/usage.err")"
	else
		fail "usage ${c%%|*}: exit $rc, want 2 and '${c#*|}' at once: $(head -c 300 "$TMP/usage.err")"
	fi
done

done_tests
