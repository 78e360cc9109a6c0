#!/usr/bin/env bash
# The bad input records themselves (tests/lib.sh's bad_input) and their judge (tests/bad-input.sh):
# what a record says of a given stderr, and that a record breaking each rule fails the judge.
source "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
bad_input_file=$tmp/records.tsv

# record WANT KIND STATUS STDERR: bad_input's record of STDERR, less its area and input, is WANT.
record() {
	local want=$1 got
	: >"$bad_input_file"
	BAD_DEV=/dev/nvme3n1 BAD_WHERE="patched nvme-512-8-t1 sqe128" bad_input area "input on $TOP/x" "$2" "$3" "$4" no
	got=$(cut -f3- "$bad_input_file")
	[ "$got" = "$want" ] && pass "record: ${want//$t/ | }" || fail "record: got '${got//$t/ | }', want '${want//$t/ | }'"
}
t=$'\t'
record "patched nvme-512-8-t1 sqe128${t}refused${t}1${t}1${t}no${t}uring_pi: DEV: bs 768-768 is not a multiple" \
	refused 1 $'uring_pi: /dev/nvme3n1: bs 768-768 is not a multiple\nfio: io engine uring_pi init failed.'
record "patched nvme-512-8-t1 sqe128${t}refused${t}1${t}2${t}no${t}uring_pi: one" refused 1 $'uring_pi: one\nuring_pi: two'
record "patched nvme-512-8-t1 sqe128${t}refused${t}1${t}1${t}no${t}fio: failed parsing pi_abi=x" refused 1 \
	'fio: failed parsing pi_abi=x'
record "patched nvme-512-8-t1 sqe128${t}refused${t}1${t}1${t}no${t}uring_pi: built for BUILD-ID in TMP/f, engines/x.so" \
	refused 1 "uring_pi: built for $(printf '%040d' 7) in /tmp/tmp.Ab12Cd34Ef/f, $TOP/engines/x.so"
record "patched nvme-512-8-t1 sqe128${t}errno${t}-22${t}-${t}no${t}Invalid argument" errno -22 'Invalid argument'
grep -q "${t}input on x${t}" "$bad_input_file" && pass "record: the input made generic too" ||
	fail "record: the input made generic too: $(cut -f2 "$bad_input_file")"

# judge NAME WANT_STATUS RECORD...: tests/bad-input.sh on these records exits WANT_STATUS (0 or 1).
judge() {
	local name=$1 want=$2 rc
	shift 2
	rm -rf "$tmp/d" && mkdir "$tmp/d"
	printf '%s\n' "$@" >"$tmp/d/engine.tsv"
	BAD_INPUT_DIR=$tmp/d "$TOP/tests/bad-input.sh" "$tmp/t.md" >"$tmp/judge.out"; rc=$?
	[ "$rc" = "$want" ] && pass "judge: $name" || { fail "judge: $name (exit $rc)"; sed 's/^/     /' "$tmp/judge.out"; }
}
ok="options${t}a${t}host${t}refused${t}1${t}1${t}no${t}uring_pi: a"
judge "a refusal in one line, exit 1, nothing written" 0 "$ok"
grep -q '^| options | 1 | 1 | 0 | 0 | 1 | 1 |$' "$tmp/t.md" && grep -q '^| a | host | refused | 1 | 1 | nothing | ' "$tmp/t.md" &&
	pass "the table counts the area and shows the row" || fail "the table: $(grep '^| \(options\|a\) ' "$tmp/t.md")"
judge "a refusal in two lines" 1 "$ok" "options${t}b${t}host${t}refused${t}1${t}2${t}no${t}uring_pi: b"
judge "a refusal that exits 0" 1 "$ok" "options${t}b${t}host${t}refused${t}0${t}1${t}no${t}uring_pi: b"
judge "a refusal that crashed" 1 "$ok" "options${t}b${t}host${t}refused${t}139${t}1${t}no${t}uring_pi: b"
judge "a refusal that wrote" 1 "$ok" "options${t}b${t}host${t}refused${t}1${t}1${t}yes${t}uring_pi: b"
judge "a refusal that says nothing" 1 "$ok" "options${t}b${t}host${t}refused${t}1${t}0${t}no${t}"
judge "an errno record without an errno" 1 "$ok" "kernel ABI${t}b${t}host${t}errno${t}0${t}-${t}-${t}Success"
judge "a record of 7 fields" 1 "$ok" "options${t}b${t}host${t}refused${t}1${t}1${t}no"
judge "no records" 1
done_tests
