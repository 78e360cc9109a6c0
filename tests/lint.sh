#!/usr/bin/env bash
# make lint: shellcheck on every shell script of the repository (a tracked file whose #! line runs a
# shell, or a sourced *.sh library; settings in .shellcheckrc) and checkpatch.pl --no-tree -f on the
# engine's C (the rules left out: CHECKPATCH_IGNORE, set and explained in the Makefile); the docs'
# generated tables are current (scripts/docs.sh --check).
# One ok/FAIL line per file; ends with "N passed, N failed".
source "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 1

# checkpatch.pl and the two files it reads beside it, from Debian's linux-source-6.12 (scripts/deps-vm.sh
# installs it), taken once into build/checkpatch/: no kernel tree has to be built first.
tarball=/usr/src/linux-source-6.12.tar.xz
cp_dir=build/checkpatch
# checkpatch FILE...: its findings, one a line (FILE:LINE: TYPE: ...).
checkpatch() {
	local t
	if [ ! -f "$cp_dir/checkpatch.pl" ] || [ "$tarball" -nt "$cp_dir/checkpatch.pl" ]; then
		[ -f "$tarball" ] || { echo "no $tarball: run scripts/deps-vm.sh (as root) to install linux-source-6.12"; return 1; }
		t=$(mktemp -d build/checkpatch.XXXXXX) &&
			tar -C "$t" -xmJf "$tarball" --wildcards --strip-components=2 '*/scripts/checkpatch.pl' \
				'*/scripts/spelling.txt' '*/scripts/const_structs.checkpatch' &&
			rm -rf "$cp_dir" && mv "$t" "$cp_dir" || { rm -rf "$t"; echo "cannot extract checkpatch.pl from $tarball"; return 1; }
	fi
	perl "$cp_dir/checkpatch.pl" --no-tree -f -q --terse --show-types --ignore "$CHECKPATCH_IGNORE" "$@"
}

# per_file TOOL OUTPUT FILE...: one ok/FAIL per FILE, failing with the lines of OUTPUT ("FILE:LINE:...") about it.
per_file() {
	local tool=$1 out=$2 f mine; shift 2
	for f; do
		mine=$(awk -v p="$f:" 'index($0, p) == 1 {print "     " $0}' <<<"$out")
		if [ -z "$mine" ]; then pass "$tool $f"; else fail "$tool $f"; echo "$mine"; fi
	done
}

# Every shell script: git ls-files lists what is committed or staged (not another engineer's untracked
# drafts), find is for a tree without git.
scripts=()
files=$(git ls-files 2>/dev/null) || files=$(find . \( -path ./build -o -path ./.git \) -prune -o -type f -print)
while IFS= read -r f; do
	f=${f#./}
	[ -f "$f" ] || continue
	case $f in *.sh) ;; *) IFS= read -r first <"$f"; [[ $first =~ ^#!.*[/\ ](ba|da)?sh([[:space:]]|$) ]] || continue ;; esac
	scripts+=("$f")
done <<<"$files"
c_files=(engines/*.c engines/*.h)

# checkpatch runs beside shellcheck (the machine has two cores).
cp_log=$(mktemp); trap 'rm -f "$cp_log"' EXIT
cp_pid=
if [ -n "${CHECKPATCH_IGNORE:-}" ]; then
	checkpatch "${c_files[@]}" >"$cp_log" 2>&1 &
	cp_pid=$!
fi
if ! command -v shellcheck >/dev/null; then
	fail "shellcheck: not installed; run scripts/deps.sh (as root)"
else
	out=$(shellcheck -f gcc "${scripts[@]}" 2>&1); rc=$?
	if [ "$rc" -gt 1 ]; then fail "shellcheck exited $rc: $out"; else per_file shellcheck "$out" "${scripts[@]}"; fi
fi
if [ -z "$cp_pid" ]; then
	fail "checkpatch: CHECKPATCH_IGNORE is not set (the Makefile sets it); run make lint"
else
	wait "$cp_pid"; rc=$?
	out=$(grep -v '^total: ' "$cp_log")
	# A finding makes checkpatch exit 1; a failure without one is checkpatch not running at all.
	if [ "$rc" -ne 0 ] && ! grep -q '^engines/' <<<"$out"; then
		fail "checkpatch: exited $rc: $out"
	else
		per_file checkpatch "$out" "${c_files[@]}"
	fi
fi
# The docs' tables that come from the project's data (scripts/docs.sh).
if out=$(scripts/docs.sh --check 2>&1); then pass "docs: the generated tables are current"; else fail "docs: $out"; fi
# docs/matrix.md (a matrix run's table, the peer's rows aside) has the cases of tests/vm/cases.sh, no other
want=$(for f in T10-DIF-TYPE1-CRC none; do for a in sqe128 none; do for p in all medium-write medium-read two-files; do
	tests/vm/cases.sh --list "$f" "$a" "$p"; done; done; done | sort -u)
have=$(sed -n 's/^| [^|]* | [^|]* | \([^|]*\) | \([^|]*\) | .*/\1 \2/p' docs/matrix.md | awk '$1 != "abi" && $1 !~ /^fio-/ { print $2 }' | sort -u)
if [ "$want" = "$have" ]; then
	pass "docs/matrix.md: the $(wc -l <<<"$want") cases of tests/vm/cases.sh"
else
	fail "docs/matrix.md differs from tests/vm/cases.sh --list (regenerate it from build/matrix/matrix.md of a run): $(
		diff <(echo "$want") <(echo "$have") | grep '^[<>]' | paste -sd ' ')"
fi
done_tests
