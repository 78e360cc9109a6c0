#!/usr/bin/env bash
# make check and make check-full (docs/harness.md, "What runs where"): make check runs every case class
# of the PI matrix (ABI and case) that make check-full runs, on every PI device and every kernel role,
# and every case it runs is a case of make check-full (or, on debian-6.12 and distro, a case of stock and
# mainline, the kernels they stand for); make check-full runs every case on every device, kernel and ABI. From the
# matrix's plan (tests/vm/matrix.sh --ids), no guest.
set -uo pipefail
. "$(dirname "$0")/../../scripts/lib.sh"
. "$TOP/tests/lib.sh"
cd "$TOP" || exit 1
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

tests/vm/matrix.sh --ids | sort -u >"$TMP/check"
FULL=1 tests/vm/matrix.sh --ids | sort -u >"$TMP/full"
nc=$(wc -l <"$TMP/check") nf=$(wc -l <"$TMP/full")
[ "$nc" -gt 100 ] && [ "$nf" -gt "$nc" ] && pass "the matrix: $nc cases in make check, $nf in make check-full" ||
	fail "the matrix: $nc cases in make check, $nf in make check-full"

# classes: ABI/CASE
classes() { awk -F/ '{ print $3 "/" $4 }' "$1" | sort -u; }
missing=$(comm -23 <(classes "$TMP/full") <(classes "$TMP/check"))
[ -z "$missing" ] && pass "every case class (ABI/CASE) of make check-full is in make check: $(classes "$TMP/check" | wc -l)" ||
	fail "case classes of make check-full not in make check: $(paste -sd " " <<<"$missing")"

# every case of make check in make check-full, as it is or on the kernel its kernel stands for
extra=$(while read -r id; do
	grep -qxF "$id" "$TMP/full" || grep -qxF "$(sed 's|^debian-6\.12/|stock/|; s|^distro/|mainline/|' <<<"$id")" "$TMP/full" || echo "$id"
done <"$TMP/check")
[ -z "$extra" ] && pass "every case of make check is a case of make check-full" ||
	fail "cases of make check not in make check-full: $(echo "$extra" | head -n 5 | paste -sd ' ')"

# make check-full: every case of the phase all on every PI device, for each ABI on the patched kernel
mapfile -t pi < <(device_names format!=none)
for d in "${pi[@]}"; do
	for abi in sqe128 attr; do
		tests/vm/cases.sh --ids "$d" patched "$abi"
	done
done | sort -u >"$TMP/cross"
lost=$(comm -23 "$TMP/cross" "$TMP/full")
[ -z "$lost" ] && pass "make check-full: all $(wc -l <"$TMP/cross") cases of every PI device on the patched kernel, both ABIs" ||
	fail "make check-full lacks: $(echo "$lost" | head -n 5 | paste -sd ' ')"

# make check: every PI device, every kernel role, every ABI and phase
for d in "${pi[@]}"; do grep -q "^patched/$d/" "$TMP/check" || fail "make check: no case on $d"; done
for k in debian-6.12 distro patched; do grep -q "^$k/" "$TMP/check" || fail "make check: no case on kernel $k"; done
for a in none sqe128 attr; do grep -q "^[^/]*/[^/]*/$a/" "$TMP/check" || fail "make check: no case of ABI $a"; done
for c in medium-corrupt-device-guard two-files-write-verify pi-no-profile pi-refused-attr; do
	grep -q "/$c\$" "$TMP/check" || fail "make check: no $c case"
done
[ "$nfail" -gt 0 ] ||
	pass "make check: cases on all ${#pi[@]} PI devices, kernels debian-6.12, distro and patched, ABIs none, sqe128 and attr, each phase"
done_tests
