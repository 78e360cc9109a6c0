#!/usr/bin/env bash
# Bad input, counted: the records the tests wrote (build/bad-input/*.tsv, through bad_input in
# tests/lib.sh) as a table per area, with counts: docs/bad-input.md (make bad-input-doc), or
# build/bad-input.md (make check, the default). Also the test of them: every refusal is one line,
# a non-zero exit and, where the test looked, nothing written; every caught bad data and kernel ABI
# misuse shows its error. One "FAIL" line per record that breaks it, one "ok" line per area.
#   tests/bad-input.sh [OUT]      (BAD_INPUT_DIR: the records, default build/bad-input)
set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
dir=${BAD_INPUT_DIR:-$TOP/build/bad-input}
out=${1:-$TOP/build/bad-input.md}
cmd="tests/bad-input.sh${1:+ $1}"
[ "$out" = docs/bad-input.md ] || [ "$out" = "$TOP/docs/bad-input.md" ] && cmd="make bad-input-doc"
# Areas in the order of the table; others after them.
AREAS="options|devices|metadata buffers|kernels|kernel ABI|fio builds|job files|harness"

# One line per record: TEST then the record's fields; TEST is the script whose file it is
# (NAME.asan.tsv: NAME.sh with a sanitized engine, the same trials).
records() {
	local f name script
	for f in "$dir"/*.tsv; do
		[ -e "$f" ] || continue
		name=$(basename "$f" .tsv)
		name=${name%.asan}
		script=$(cd "$TOP" && ls tests/*/"$name".sh 2>/dev/null | head -n 1)
		sed "s|^|${script:-$name}\t|" "$f"
	done | LC_ALL=C sort -u
}

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
records >"$tmp"
mkdir -p "$(dirname "$out")"
# The tables (awk: fields TEST AREA INPUT WHERE KIND STATUS LINES WRITTEN SEEN).
prog=$(cat <<'AWK'
function bad(why) { nfail++; printf "FAIL bad input (%s) %s, %s: %s\n", $2, $3, $4, why }
function md(s) { gsub(/\|/, "\\|", s); return s }
BEGIN {
	n = split(areas, order, "|")
	for (i = 1; i <= n; i++) known[order[i]] = 1
}
NF != 9 { nfail++; printf "FAIL bad input record with %d fields, not 9: %s\n", NF, $0; next }
{
	a = $2
	if (!(a in known)) { known[a] = 1; extra[++nextra] = a }
	ok = 1
	if ($5 == "refused") {
		if ($6 !~ /^[0-9]+$/ || $6 == 0 || $6 >= 128) { bad("exit status " $6 ", not 1..127"); ok = 0 }
		if ($7 != 1) { bad("told in " $7 " lines, not one"); ok = 0 }
		if ($8 == "yes") { bad("wrote to the device or file though refused"); ok = 0 }
		if ($9 == "") { bad("nothing said"); ok = 0 }
	} else if ($5 == "caught") {
		if ($9 == "") { bad("no error shown"); ok = 0 }
	} else if ($5 == "errno") {
		if ($6 !~ /^-[0-9]+$/) { bad("result " $6 ", not an errno"); ok = 0 }
	} else { bad("unknown kind " $5); ok = 0 }
	trials[a]++; kind[a, $5]++; good[a] += ok
	if (!($1 in from)) tests[++ntests] = $1
	from[$1]++
	if ($8 == "no") nothing[a]++
	row[a, trials[a]] = sprintf("| %s | %s | %s | %s | %s | %s | %s | `%s` |", md($3), $4, $5, $6, $7,
		$8 == "no" ? "nothing" : $8 == "yes" ? "**yes**" : "-", $1, md($9))
	total++
}
END {
	for (i = 1; i <= nextra; i++) order[++n] = extra[i]
	print "# Bad input, counted" >out
	print "" >out
	print "Every bad input the tests try, and what the user sees. Generated from the tests' own records" >out
	print "(`build/bad-input/*.tsv`, written through `bad_input` in `tests/lib.sh`) by `" cmd "`" >out
	print "on " date ". `make check` writes the same tables to `build/bad-input.md` and fails when a record" >out
	print "breaks the rule of its kind:" >out
	print "" >out
	print "- **refused**: bad input refused before any I/O. It must be told in one line (`lines`: the lines" >out
	print "  on stderr, less the `fio: io engine uring_pi init failed.` or `fio: failed parsing ...` that fio" >out
	print "  adds after every refusal), with an exit status of 1..127, and nothing may be written: where" >out
	print "  `written` says `nothing`, the test wrote a pattern over the first 64 KiB the job would write" >out
	print "  and found it intact afterwards (`-`: not looked at, e.g. no device involved)." >out
	print "- **caught**: bad data (a wrong tag read, a corrupted tag injected) found during I/O: the job" >out
	print "  fails, and the table shows the line that says so." >out
	print "- **errno**: a misuse of the kernel ABI (`tests/kabi/pi_abi_test.c`): the I/O fails with exactly" >out
	print "  this errno, which the test checks." >out
	print "" >out
	print "`where`: host, or the guest's kernel, device and ABI. Paths of the machine, temporary directories" >out
	print "(TMP), build-ids and the device under test (DEV) are shown generic, so that reruns compare." >out
	print "" >out
	line = "Records, per test:"
	for (i = 1; i <= ntests; i++) line = line sprintf(" `%s` %d%s", tests[i], from[tests[i]], i < ntests ? "," : ".")
	print line >out
	print "" >out
	print "| area | trials | refused | caught | errno | nothing written (looked at) | rule kept |" >out
	print "|---|---|---|---|---|---|---|" >out
	for (i = 1; i <= n; i++) {
		a = order[i]
		if (!trials[a]) continue
		printf "| %s | %d | %d | %d | %d | %d | %d |\n", a, trials[a], kind[a, "refused"], kind[a, "caught"],
			kind[a, "errno"], nothing[a], good[a] >out
		T += trials[a]; R += kind[a, "refused"]; C += kind[a, "caught"]; E += kind[a, "errno"]
		W += nothing[a]; G += good[a]
	}
	printf "| all | %d | %d | %d | %d | %d | %d |\n", T, R, C, E, W, G >out
	for (i = 1; i <= n; i++) {
		a = order[i]
		if (!trials[a]) continue
		printf "\n## %s (%d)\n\n", a, trials[a] >out
		print "| input | where | kind | exit | lines | written | test | what the user sees |" >out
		print "|---|---|---|---|---|---|---|---|" >out
		for (j = 1; j <= trials[a]; j++) print row[a, j] >out
		if (good[a] == trials[a]) {
			npass++
			printf "ok   bad input, %s: %d trials, each as its kind must be\n", a, trials[a]
		}
	}
	if (!total) { nfail++; print "FAIL no bad input recorded in build/bad-input/ (run the tests first)" }
	else { npass++; printf "ok   %d bad input trials tabled in %s\n", total, out }
	printf "%d passed, %d failed\n", npass, nfail
	exit nfail > 0
}
AWK
)
awk -F '\t' -v areas="$AREAS" -v out="$out" -v cmd="$cmd" -v date="$(date -u +%Y-%m-%d)" "$prog" "$tmp"
