#!/usr/bin/env bash
# The harness's vocabulary, defined once (scripts/lib.sh, vm/devices, tests/lib.sh): the device table as
# the shell and the Python read it, the grouping of devices into guests, and the result-line counting
# that tests/run.sh adds up. No guest.
set -uo pipefail
. "$(dirname "$0")/../../scripts/lib.sh"
. "$TOP/tests/lib.sh"
cd "$TOP" || exit 1
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# The shell and the Python read every field of every device alike.
mapfile -t all < <(device_names "")
py=$(cd compare && python3 -c '
import sys
from util import DEVICE_FIELDS, device_field
for n in sys.argv[1:]:
    print("|".join(device_field(n, f) for f in DEVICE_FIELDS))' "${all[@]}")
sh=$(for d in "${all[@]}"; do
	for f in $DEVICE_FIELDS; do printf '%s|' "$(device_field "$d" "$f")"; done | sed 's/|$//'; echo
done)
if [ "${#all[@]}" -ge 12 ] && [ "$py" = "$sh" ]; then
	pass "vm/devices: ${#all[@]} devices, the same ${#all[@]} x $(wc -w <<<"$DEVICE_FIELDS") fields read by scripts/lib.sh and compare/util.py"
else
	fail "vm/devices read differently:"; diff <(echo "$sh") <(echo "$py") | head -n 6 | sed 's/^/     /'
fi
# Every line of the table has all its fields, and a name is given once.
bad=$(awk '!/^#/ && NF > 0 && NF < 12 { print "short line: " $0 } !/^#/ && NF > 0 && seen[$1]++ { print "twice: " $1 }' vm/devices)
[ -z "$bad" ] && pass "vm/devices: every line has its 12 fields, no name twice" || fail "vm/devices: $bad"
for d in "${all[@]}"; do
	read -r kind lbs ms format <<<"$(device_field "$d" kind lbs ms format)"
	case $kind:$format in nvme:* | scsi:T10-DIF-*) ;; *) fail "$d: kind '$kind' with format '$format'"; continue ;; esac
	[ $((lbs % 512)) = 0 ] && { [ "$format" = none ] || [ "$ms" -ge 8 ]; } || fail "$d: lbs $lbs, ms $ms, format $format"
done
[ "$(device_field nvme-4k-64-first note)" = "PI in the first 8 bytes of the metadata" ] &&
	[ -z "$(device_field nvme-512-8-t3 note)" ] && [ "$(device_field scsi-dif-ip kind guard format)" = "scsi 1 T10-DIF-TYPE1-IP" ] &&
	pass "device_field: several fields, a note with spaces, - as an empty note" ||
	fail "device_field: '$(device_field nvme-4k-64-first note)' '$(device_field nvme-512-8-t3 note)' '$(device_field scsi-dif-ip kind guard format)'"
device_field nvme-512-8-t9 kind >/dev/null 2>&1 && fail "device_field of an unknown device succeeded" ||
	pass "device_field of an unknown device fails"
device_field nvme-512-8-t1 colour >/dev/null 2>&1 && fail "device_field of an unknown field succeeded" ||
	pass "device_field of an unknown field fails"

# Filters.
got=$(device_names kind=nvme format!=none | paste -sd ' ')
[ "$got" = "nvme-512-8-t1 nvme-512-8-t2 nvme-512-8-t3 nvme-512-16-t1 nvme-4k-8-t1 nvme-4k-16-t1 nvme-4k-16-t3 nvme-4k-64-first nvme-4k-64-last" ] &&
	pass "device_names kind=nvme format!=none: the nine NVMe devices with PI, in the table's order" || fail "device_names kind=nvme format!=none: $got"
[ "$(device_names format=none)" = nvme-512-0 ] && [ "$(device_names kind=scsi | paste -sd ' ')" = "scsi-dif-crc scsi-dif-ip" ] &&
	pass "device_names format=none, kind=scsi" || fail "device_names format=none: $(device_names format=none); kind=scsi: $(device_names kind=scsi)"
device_names colour=red >/dev/null 2>&1 && fail "device_names with an unknown field succeeded" || pass "device_names with an unknown field fails"

# Guests: every NVMe device and the first scsi_debug disk in one, each other scsi_debug disk alone.
got=$(device_boots scsi-dif-ip nvme-512-8-t1 scsi-dif-crc nvme-4k-16-t3 | paste -sd ' ')
[ "$got" = "scsi-dif-ip,nvme-512-8-t1,nvme-4k-16-t3 scsi-dif-crc" ] && pass "device_boots: $got" ||
	fail "device_boots scsi-dif-ip nvme-512-8-t1 scsi-dif-crc nvme-4k-16-t3: '$got'"
got=$(device_boots scsi-dif-crc scsi-dif-ip | paste -sd ' ')
[ "$got" = "scsi-dif-crc scsi-dif-ip" ] && pass "device_boots of two scsi_debug disks: two guests" || fail "device_boots of two scsi_debug disks: '$got'"

# A device added to the table is a device of the launcher's usage, of the filters, of the matrix's
# guests (make check: one ABI on the patched kernel, and the medium case; FULL=1: both ABIs) and of the
# docs' table.
mkdir -p "$TMP/t/vm" "$TMP/t/scripts" "$TMP/t/docs" "$TMP/t/tests/vm" && cp vm/{devices,kernels,vm.sh} "$TMP/t/vm/" &&
	cp scripts/{lib.sh,docs.sh} "$TMP/t/scripts/" && cp tests/lib.sh "$TMP/t/tests/" && cp tests/vm/{matrix.sh,cases.sh} "$TMP/t/tests/vm/" &&
	cp docs/harness.md "$TMP/t/docs/" &&
	echo "nvme-4k-8-t3     nvme 4096 8  3  0   0   -     T10-DIF-TYPE3-CRC   6   4096     a trial device" >>"$TMP/t/vm/devices"
plan=$("$TMP/t/tests/vm/matrix.sh" --plan 2>&1)
plan_full=$("$TMP/t/tests/vm/matrix.sh" --plan --full 2>&1)
# shellcheck disable=SC1091 # a copy made above
( . "$TMP/t/scripts/lib.sh"; device_names kind=nvme format!=none ) | grep -qx nvme-4k-8-t3 &&
	grep -q '^devices: .* nvme-4k-8-t3 ' <<<"$("$TMP/t/vm/vm.sh" -h 2>&1)" &&
	[ "$(grep -cE '^== patched, (sqe128, all|attr, all|sqe128, medium-write|sqe128, medium-read): .*,nvme-4k-8-t3(,|$)' <<<"$plan")" = 3 ] &&
	[ "$(grep -cE '^== patched, (sqe128, all|attr, all|sqe128, medium-write|sqe128, medium-read): .*,nvme-4k-8-t3(,|$)' <<<"$plan_full")" = 4 ] &&
	! "$TMP/t/scripts/docs.sh" --check 2>/dev/null && "$TMP/t/scripts/docs.sh" 2>/dev/null &&
	grep -q '^| `nvme-4k-8-t3` | NVMe, 4096+8, pi=3 | T10-DIF-TYPE3-CRC 6 4096 | a trial device |$' "$TMP/t/docs/harness.md" &&
	pass "a line added to vm/devices: in the filters, vm/vm.sh's usage, the matrix's patched guests (3 in make check, 4 in make check-full) and (after make docs; --check fails before) docs/harness.md" ||
	{ fail "a device added to vm/devices is not picked up everywhere"; printf '     | %s\n' "$plan"; }

# Kernels: the table vm/kernels; a line added there is a kernel of vm/kernel.sh, vm/vm.sh -k and the docs.
[ "$KERNEL_NAMES" = "stock patched patched-debug patched-slow mainline distro debian-6.12" ] &&
	[ "$(kernel_field patched-slow patches)" = tests/kernel/slow-submit.patch ] && [ "$(kernel_field distro source)" = distro ] &&
	[ "$(kernel_image distro)" = "$BUILD/kernels/distro/vmlinuz" ] && [ "$(kernel_image patched)" = "$BUILD/kernels/patched/bzImage" ] &&
	[ "$(kernel_image debian-6.12)" = "$BUILD/kernels/debian-6.12/vmlinuz" ] &&
	pass "vm/kernels: KERNEL_NAMES, kernel_field, kernel_image" || fail "vm/kernels: '$KERNEL_NAMES', '$(kernel_field patched-slow patches)'"
cp vm/kernel.sh "$TMP/t/vm/" &&
	echo "patched-lockdep 6.12   yes    -                              vm/guest-lockdep.config a trial kernel" >>"$TMP/t/vm/kernels"
out=$("$TMP/t/vm/kernel.sh" 2>&1)
grep -q '^uring-pi: usage: vm/kernel.sh stock|.*|debian-6.12|patched-lockdep, or' <<<"$out" &&
	grep -q "'nosuch' is neither a kernel of vm/kernel.sh (.*|patched-lockdep)" <<<"$("$TMP/t/vm/vm.sh" -k nosuch -- true 2>&1)" &&
	! "$TMP/t/scripts/docs.sh" --check 2>/dev/null && "$TMP/t/scripts/docs.sh" 2>/dev/null &&
	grep -q '^| `patched-lockdep` | Debian.s linux-source-6.12 | yes | - | vm/guest-lockdep.config | `build/kernels/patched-lockdep/bzImage` | a trial kernel |$' "$TMP/t/docs/harness.md" &&
	pass "a line added to vm/kernels: in vm/kernel.sh's usage, vm/vm.sh -k and (after make docs) docs/harness.md" ||
	fail "a kernel added to vm/kernels is not picked up everywhere: $out"

# Tests by id: CASES, KERNELS, DEVICES select cases (case_selected) and the guests that boot (--plan).
CASES='inject-*,patched/scsi-*/attr/bs-not-multiple' case_selected stock/nvme-512-8-t1/sqe128/inject-guard-50pct &&
	CASES='inject-*,patched/scsi-*/attr/bs-not-multiple' case_selected patched/scsi-dif-ip/attr/bs-not-multiple &&
	! CASES='inject-*,patched/scsi-*/attr/bs-not-multiple' case_selected patched/scsi-dif-ip/sqe128/bs-not-multiple &&
	! CASES='patched/*/attr' case_selected patched/nvme-512-8-t1/attr/escape-write && case_selected x/y/z/anything &&
	pass "case_selected: names and whole ids, globs, comma-separated; unset selects all" || fail "case_selected"
p1=$(CASES=patched/nvme-512-8-t1/sqe128/inject-guard-50pct tests/vm/matrix.sh --plan)
p2=$(CASES=medium-corrupt-device-guard DEVICES=nvme-4k-8-t1 tests/vm/matrix.sh --plan | paste -sd '|')
p3=$(KERNELS=stock,distro CASES='*/fio-*' tests/vm/matrix.sh --plan | paste -sd '|')
p4=$(tests/vm/matrix.sh --plan | wc -l)/$(FULL=1 tests/vm/matrix.sh --plan | wc -l)
[ "$p1" = "== patched, sqe128, all: nvme-512-8-t1" ] &&
	[ "$p2" = "== patched, sqe128, medium-write: nvme-4k-8-t1|== patched, sqe128, medium-read: nvme-4k-8-t1" ] &&
	[ "$p3" = "== distro, peer, all: nvme-512-8-t1|== distro, peer, medium-write: nvme-512-8-t1|== distro, peer, medium-read: nvme-512-8-t1" ] &&
	[ "$p4" = 13/17 ] && pass "matrix.sh --plan: one id boots one guest with one device; a medium case both its boots; the peer by its ABI; 13 guests unfiltered, 17 with FULL=1" ||
	fail "matrix.sh --plan: '$p1' / '$p2' / '$p3' / $p4 guests"
l1=$(tests/vm/cases.sh --list T10-DIF-TYPE1-CRC sqe128 | wc -l)
l2=$(tests/vm/cases.sh --list none attr)
[ "$l1" = 28 ] && [ "$l2" = pi-no-profile ] && pass "cases.sh --list: 28 cases on a PI device, pi-no-profile on one without" ||
	fail "cases.sh --list: $l1 cases, '$l2'"

# Counting: result lines with and without skips add up; anything else is not a result line.
saved=("$npass" "$nfail" "$nskip")
npass=0 nfail=0 nskip=0
counts_add "3 passed, 1 failed, 2 skipped" && counts_add "5 passed, 0 failed" && ! counts_add "5 passed, 0 failed, x" &&
	! counts_add "kabi: 5 passed, 0 failed"
c=$(counts_line)
npass=${saved[0]} nfail=${saved[1]} nskip=${saved[2]}
[ "$c" = "8 passed, 1 failed, 2 skipped" ] && pass "counts_add: '$c'" || fail "counts_add: '$c', expected '8 passed, 1 failed, 2 skipped'"
printf '#!/bin/bash\necho "ok   a"; echo "skip b: no c"; echo "1 passed, 0 failed, 1 skipped"\n' >"$TMP/a.sh"
printf '#!/bin/bash\necho "2 passed, 0 failed"; exit 3\n' >"$TMP/b.sh"
printf '#!/bin/bash\necho none\n' >"$TMP/c.sh"
chmod +x "$TMP"/[abc].sh
out=$(tests/run.sh "$TMP/a.sh" 2>&1); rc=$?
[ $rc = 0 ] && [ "$(tail -n 1 <<<"$out")" = "1 passed, 0 failed, 1 skipped" ] && grep -q "^== $TMP/a.sh: [0-9]* s, [0-9]* cpu-s$" <<<"$out" &&
	pass "tests/run.sh: a skip is counted and fails nothing; each test's time is printed" || fail "tests/run.sh a.sh: exit $rc: $out"
# the CPU time of a test's processes, children included: a child's loop of a fixed amount of work (about
# 3 CPU-seconds here, whatever else runs: make check runs this at nice 10 beside kernel builds)
printf '#!/bin/bash\nawk "BEGIN { for (i = 0; i < 1e8; i++) s += i }"; echo "1 passed, 0 failed"\n' >"$TMP/e.sh"
chmod +x "$TMP/e.sh"
out=$(tests/run.sh "$TMP/e.sh" 2>&1)
grep -qE "^== $TMP/e.sh: [0-9]+ s, [1-9][0-9]* cpu-s$" <<<"$out" && pass "tests/run.sh: a test's CPU time counts its children's" ||
	fail "tests/run.sh e.sh: want at least 1 cpu-s for a child's busy loop: $out"
printf '#!/bin/bash\nsleep 2; echo "1 passed, 0 failed"\n' >"$TMP/d.sh"
chmod +x "$TMP/d.sh"
t0=$SECONDS
out=$(tests/run.sh -j 3 "$TMP/d.sh" "$TMP/d.sh" "$TMP/d.sh" -j 1 "$TMP/a.sh" 2>&1); rc=$?
[ $rc = 0 ] && [ "$(tail -n 1 <<<"$out")" = "4 passed, 0 failed, 1 skipped" ] && [ $((SECONDS - t0)) -lt 6 ] &&
	[ "$(grep -c "^== $TMP/d.sh: [0-9]* s, [0-9]* cpu-s$" <<<"$out")" = 3 ] &&
	pass "tests/run.sh -j 3: three tests of 2 s side by side in $((SECONDS - t0)) s, each shown whole, the counts summed" ||
	fail "tests/run.sh -j 3: exit $rc in $((SECONDS - t0)) s: $out"
out=$(tests/run.sh "$TMP/a.sh" "$TMP/b.sh" "$TMP/c.sh" 2>&1); rc=$?
[ $rc = 1 ] && [ "$(tail -n 1 <<<"$out")" = "3 passed, 2 failed, 1 skipped" ] && grep -q "^FAIL $TMP/b.sh: exited 3$" <<<"$out" &&
	grep -q "^FAIL $TMP/c.sh: exited 0 without a result line$" <<<"$out" &&
	pass "tests/run.sh: a test that exits non-zero with no failure, or without a result line, fails" || fail "tests/run.sh a b c: exit $rc: $out"
out=$(tests/run.sh "$TMP/a.sh" "$TMP/nonesuch.sh" 2>&1); rc=$?
[ $rc = 1 ] && [ "$(tail -n 1 <<<"$out")" = "1 passed, 1 failed, 1 skipped" ] &&
	grep -q "^FAIL $TMP/nonesuch.sh: no such test program" <<<"$out" &&
	pass "tests/run.sh: a test that does not exist fails" || fail "tests/run.sh a nonesuch: exit $rc: $out"

# guest_ok: a guest's exit status counts, whatever its result lines say
# guest_ok_fails RC RESULT-LINE: how many failures guest_ok adds for a guest that exited RC after RESULT-LINE
guest_ok_fails() { (nfail=0; printf 'ok   x\n%s\n' "$2" >"$TMP/guest.log"; guest_ok g "$1" "$TMP/guest.log" >/dev/null; echo $nfail); }
got=$(for c in "0|3 passed, 0 failed" "1|2 passed, 1 failed, 0 skipped" "1|3 passed, 0 failed" "124|3 passed, 0 failed" \
	"125|3 passed, 0 failed, 0 skipped" "125|2 passed, 1 failed"; do guest_ok_fails "${c%%|*}" "${c#*|}"; done | paste -sd ' ')
[ "$got" = "0 0 1 1 1 1" ] &&
	pass "guest_ok: exit 0, or 1 with a failure counted, passes; 1 with none, 124 and 125 after the result line fail" ||
	fail "guest_ok: failures added for exit 0, 1 (failed), 1, 124, 125, 125 (failed): $got, expected 0 0 1 1 1 1"
done_tests
