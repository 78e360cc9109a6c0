#!/usr/bin/env bash
# The soak: jobs/pi-concurrent.fio (eight jobs at once, both PI ABIs, mixed sizes: fill, then random
# reads and writes, every block verified by fio, every interval checked by the device and the engine)
# in rounds, each with a new seed, for DURATION on one PI device, in a guest on the patched kernel.
# The last round ends after DURATION. Reports the intervals written and checked and the mismatches
# (PI errors of the engine's summaries plus fio's verify failures), summed from the engine's
# "uring_pi: PI summary" lines; fails on any mismatch or failed round, or when nothing was checked.
#   tests/vm/soak.sh [DURATION]       (e.g. 90s, 2m, 1h; default 1m, as in make check; make soak: 10m)
#   SOAK_DEVICE=nvme-4k-16-t1 SOAK_SIZE=8m tests/vm/soak.sh 10m
#   tests/vm/soak.sh --guest SECONDS NAME DEV    (in the guest)
set -uo pipefail
. "$(dirname "$0")/guest.sh"

if [ "${1:-}" != --guest ]; then
	d=${1:-1m}
	case $d in
	*[0-9]s | *[0-9]) secs=${d%s} ;;
	*[0-9]m) secs=$((${d%m} * 60)) ;;
	*[0-9]h) secs=$((${d%h} * 3600)) ;;
	*) secs= ;;
	esac
	[[ $secs =~ ^[0-9]+$ ]] && [ "$secs" -gt 0 ] || { echo "uring-pi: DURATION=$d: give seconds, Ns, Nm or Nh" >&2; exit 2; }
	dev=${SOAK_DEVICE:-nvme-512-8-t1}
	out=${TEST_OUT:-$BUILD/soak}
	mkdir -p "$out"
	echo "== soak: $d on $dev (patched kernel)"
	guest "$out/guest.log" -k patched -d "$dev" -i "$out/images" -t $((secs + 900)) \
		-e SOAK_SIZE="${SOAK_SIZE:-4m}" -- "tests/vm/soak.sh --guest $secs $dev \$$(dev_var "$dev")"
	done_tests
	exit
fi

secs=$2 name=$3 dev=$4
iv=$(cat "/sys/block/$(basename "$dev")/integrity/protection_interval_bytes")
start=$(date +%s) round=0 written=0 checked=0 mismatches=0
while [ $(($(date +%s) - start)) -lt "$secs" ]; do
	round=$((round + 1))
	t0=$(date +%s)
	out=$(DEV=$dev SEED=$round SIZE=$SOAK_SIZE BSRANGE=$iv-64k timeout -k 10 900 scripts/job.sh jobs/pi-concurrent.fio 2>&1)
	rc=$?
	g=$(pi_total generated "$out") c=$(pi_total checked "$out") e=$(pi_total errors "$out")
	v=$(grep -cE '^verify: bad|verify failed' <<<"$out")
	written=$((written + g)) checked=$((checked + c)) mismatches=$((mismatches + e + v))
	what="round $round: $g intervals written, $c checked, $((e + v)) mismatches ($(($(date +%s) - t0)) s)"
	if [ $rc -eq 0 ] && [ $((e + v)) = 0 ] && ! grep -qE 'err= *[1-9]' <<<"$out"; then
		pass "$what"
	else
		fail "$what, fio exit $rc"
		printf '%s\n' "$out" | grep -E 'uring_pi: /|verify|err=|fio:' | head -n 12 | sed 's/^/     | /'
	fi
done
echo "# soak: $round rounds in $(($(date +%s) - start)) s on $name: $written intervals written, $checked checked, $mismatches mismatches"
[ "$mismatches" = 0 ] && [ "$written" -gt 0 ] && [ "$checked" -gt 0 ] &&
	pass "soak: 0 mismatches, intervals written and checked" ||
	fail "soak: $mismatches mismatches, $written intervals written, $checked checked"
done_tests
