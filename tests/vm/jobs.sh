#!/usr/bin/env bash
# Every job file of jobs/ runs, on the devices it names, in guests on the patched kernel (vm/vm.sh),
# through scripts/job.sh as a user would run it. A job file says how with lines of its own:
#   # test: DEVICE[,DEVICE...] [NAME=VALUE...] [after=JOBFILE] [checked=N] [generated=N] [nopi] [refused]
#       one run on each device (a vm/vm.sh device name), NAME=VALUE over the file's "# default"s;
#       after=JOBFILE runs that job first on the device, with the same settings (it must pass);
#       checked=N (generated=N): exactly N of the engine's PI summary lines show intervals checked
#       (generated) > 0; nopi: the run has no PI (and so no PI summary line).
#   # test-error: REGEX
#       the job must fail (fio exits 1..127, or exits 0 with a job's err= not 0, as with
#       continue_on_error) and its output match each such (grep -E) REGEX; a crash or the time
#       limit (timeout's 124, 137) never counts.
#       Recorded as bad input (tests/lib.sh): with the setting "refused" on the test: line, as bad
#       input refused before any I/O (tests/bad-input.sh: in one line, and the device's first 64 KiB,
#       given a pattern before, unchanged);
#       else as bad data caught, shown by what the first REGEX matches first.
# Without test-error a run must pass: fio exits 0, every job reports err= 0, there is a PI summary
# (unless nopi) and every one says 0 errors. A job file with no "# test:" line fails. Output per run: "ok   ..." or "FAIL ...".
#   tests/vm/jobs.sh [JOBFILE...]     (default: every job file of jobs/)
#   tests/vm/jobs.sh --guest CASES    (in a guest: the runs listed in CASES)
set -uo pipefail
. "$(dirname "$0")/guest.sh"

# summaries_ok OUTPUT: every PI summary line shows 0 errors.
summaries_ok() { ! grep 'uring_pi: PI summary' <<<"$1" | grep -qv ', 0 errors ('; }
# nsummaries OUTPUT: how many PI summary lines; nchecked, ngenerated: how many show intervals checked
# (generated) > 0.
nsummaries() { grep -c 'uring_pi: PI summary' <<<"$1"; }
nchecked() { grep -c 'uring_pi: PI summary: [0-9]* intervals generated, [1-9][0-9]* checked' <<<"$1"; }
ngenerated() { grep -c 'uring_pi: PI summary: [1-9][0-9]* intervals generated' <<<"$1"; }

# run_case JOB DEVICE DEVPATH SETTINGS...: one run in the guest, judged as the job file says.
run_case() {
	local job=$1 name=$2 path=$3 after='' checked='' generated='' nopi='' refused='' kv vars=() out err rc what errs seen written=-
	local BAD_DEV=$path BAD_WHERE="$URING_PI_KERNEL $name"
	shift 3
	for kv in "$@"; do
		case $kv in
		after=*) after=${kv#after=} ;;
		checked=*) checked=${kv#checked=} ;;
		generated=*) generated=${kv#generated=} ;;
		nopi) nopi=1 ;;
		refused) refused=1 ;;
		[A-Z_]*=*) vars+=("$kv") ;;
		*) fail "$job on $name: unknown setting '$kv' in its # test: line"; return ;;
		esac
	done
	what="$job on $name${*:+ ($*)}"
	if [ -n "$after" ]; then
		out=$(env "${vars[@]}" DEV="$path" timeout -k 10 600 scripts/job.sh "$after" 2>&1); rc=$?
		if [ $rc -ne 0 ] || ! summaries_ok "$out"; then
			fail "$what: $after before it failed (rc=$rc)"; printf '%s\n' "$out" | tail -n 8 | sed 's/^/     | /'
			return
		fi
	fi
	[ -z "$refused" ] || pattern_write "$path" 0
	run_cmd env "${vars[@]}" DEV="$path" timeout -k 10 600 scripts/job.sh "$job"
	errs=$(sed -n 's/^# test-error: //p' "$job")
	if [ -n "$refused" ]; then
		pattern_kept "$path" 0 && written=no || written=yes
		bad_input "job files" "$job${*:+ ($*)}" refused "$rc" "$err" "$written"
	elif [ -n "$errs" ]; then
		bad_input "job files" "$job${*:+ ($*)}" caught "$rc" "$(grep -m 1 -oE -- "$(head -n 1 <<<"$errs")" <<<"$out")"
	fi
	if [ -n "$errs" ]; then
		seen=ok
		if [ $rc -eq 0 ] && ! grep -qE 'err= *[1-9]' <<<"$out"; then seen="it passed"
		elif [ $rc -eq 124 ] || [ $rc -eq 137 ]; then seen="it timed out (exit $rc)"
		elif [ $rc -gt 127 ]; then seen="exit status $rc, a crash"; fi
		while IFS= read -r re; do
			[ "$seen" = ok ] && ! grep -qE -- "$re" <<<"$out" && seen="no line matches /$re/"
		done <<<"$errs"
	elif [ $rc -ne 0 ] || ! grep -q 'err= 0' <<<"$out" || grep -qE 'err= *[1-9]' <<<"$out"; then
		seen="fio failed (rc=$rc)"
	elif [ -z "$nopi" ] && [ "$(nsummaries "$out")" = 0 ]; then
		seen="no PI summary (a run without PI says nopi on its # test: line)"
	elif [ -n "$nopi" ] && [ "$(nsummaries "$out")" != 0 ]; then
		seen="a PI summary, where the # test: line says nopi"
	elif ! summaries_ok "$out"; then
		seen="a PI summary with errors"
	elif [ -n "$checked" ] && [ "$(nchecked "$out")" != "$checked" ]; then
		seen="$(nchecked "$out") PI summaries with intervals checked, want $checked"
	elif [ -n "$generated" ] && [ "$(ngenerated "$out")" != "$generated" ]; then
		seen="$(ngenerated "$out") PI summaries with intervals generated, want $generated"
	else
		seen=ok
	fi
	if [ "$seen" = ok ]; then
		pass "$what${errs:+: failed as expected}"
	else
		fail "$what: $seen"; printf '%s\n' "$out" | grep -v '^ *$' | tail -n 12 | sed 's/^/     | /'
	fi
}

if [ "${1:-}" = --guest ]; then
	while IFS=' ' read -r job name settings; do
		path=$(awk -v n="$name" '$1 == n {print $2}' "$URING_PI_DEVICES")
		[ -n "$path" ] || { fail "$job on $name: no such device in this guest"; continue; }
		# shellcheck disable=SC2086 # settings are words without spaces
		run_case "$job" "$name" "$path" $settings
	done <"$2"
	done_tests
	exit
fi

# ---- host: cases from the job files, one guest per device_boots group (scripts/lib.sh).
out=${TEST_OUT:-$BUILD/jobs}
mkdir -p "$out"
[ $# -gt 0 ] || set -- jobs/*.fio jobs/*/*.fio
: >"$out/cases.txt"
for job in "$@"; do
	lines=$(sed -n 's/^# test: //p' "$job")
	[ -n "$lines" ] || { fail "$job has no '# test:' line naming the devices it runs on"; continue; }
	while read -r devs settings; do
		for d in ${devs//,/ }; do echo "$job $d $settings"; done
	done <<<"$lines" >>"$out/cases.txt"
done
mapfile -t devices < <(awk '{print $2}' "$out/cases.txt" | sort -u)
for d in "${devices[@]}"; do device_field "$d" kind >/dev/null || fail "a '# test:' line names $d, not a device of vm/devices"; done
mapfile -t boots < <(device_boots "${devices[@]}")
for g in "${boots[@]}"; do
	list=$out/cases.${g//,/_}.txt
	awk -v devs=",$g," 'index(devs, "," $2 ",")' "$out/cases.txt" >"$list"
	echo "== guest (patched): $g, $(wc -l <"$list") runs"
	guest "$out/guest.${g//,/_}.log" -k patched -d "$g" -i "$out/images" -t "${GUEST_LIMIT:-1800}" -- \
		tests/vm/jobs.sh --guest "$list"
done
done_tests
