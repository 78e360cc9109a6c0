#!/bin/bash
# compare/compare.sh: performance of the jobs of jobs/perf/ across kernels, with a report.
# Every knob is an environment variable (make compare passes them through):
#   KERNELS    "stock patched mainline": names of vm/kernel.sh or bzImage paths, each
#              optionally LABEL=KERNEL (e.g. "a=stock b=build/kernels/stock/bzImage")
#   DEVICE     the device set every kernel gets, devices of vm/vm.sh separated by commas (e.g.
#              nvme-512-8-t1,nvme-4k-16-t1): one guest has them all, each is measured; default
#              scsi-dif-crc under TIMING=icount (its I/O completes inside the guest), else nvme-512-8-t1
#   JOBS       "randread-4k randwrite-4k seqread-128k" (jobs/perf/NAME.fio)
#   MODES      auto (every PI mode the kernel supports: off kernel engine-sqe128 engine-attr), all (the
#              same for every mode), or a list of modes, each of which must run: auto's, none (no PI at
#              all: off with the kernel's own PI turned off; guests only), engine-attr-noverify
#              (engine-attr without the engine's check of reads) and the peer's: fio (fio's
#              ioengine=io_uring, no PI), fio-pi (its PI options)
#   RUNTIME=5 RAMP=1 SIZE=64m   per fio job;  REPEAT=3 rounds, in the order A B C, C B A, A B C, ...
#   BASELINE   the first kernel's label (stock by default)
#   TIMING     icount (the default for guests): their clock counts their instructions (vm/vm.sh's
#              URING_PI_TIMING), so a figure is the guest's work, whatever the host's load; QEMU
#              7.2's NVMe model paces its completions then (docs/perf.md). real: the host's clock
#              (the only one with HOSTS)
#   THRESHOLD  auto (2 % under icount, 10 % under real) or a percentage: the smallest change called
#              a regression; a row is worse only when the whole 95 % interval of its change is beyond
#              it (compare/stats.py)
#   GATE       iops: metrics that decide the exit status (any of iops,bw,p50,p99,cpu)
#   SLOW       a kernel label given a planted regression of known size, SLOW_PCT (default 10) % of
#              the baseline's time per I/O (the baseline's result of the same round, or the last
#              before it, same device and mode), where SLOW_IN says:
#   SLOW_IN    user (the default): fio thinkcycles (a busy loop after every I/O), sized per job
#              section; kernel: a busy loop per bio in blk-mq, sized by the job's first section,
#              on a kernel built with tests/kernel/slow-submit.patch (vm/kernel.sh patched-slow)
#   OUT        build/compare: report.md, report.png, raw/LABEL/rN/JOB.MODE.json, logs/, vm/ (the
#              guests' images and consoles: runs with different OUT can go side by side)
#   HOSTS      [LABEL=]host:port,...: instead of guests, drive remote "fio --server" hosts
#              with fio --client; DEV = the device(s) on those hosts, comma-separated, the same
#              path(s) on every host (overwritten!); see README
# Each guest runs "fio --server" (compare/guest.sh), reached through a forwarded loopback port
# (vm/vm.sh -p): guests and real hosts are driven by the same fio --client code.
# Exit: 0 no regression, 1 a result worse than the baseline beyond the threshold,
#       2 usage error, no result, or a run failed.
set -uo pipefail
. "$(dirname "$0")/../scripts/lib.sh"
cd "$TOP" || exit 1

# settings: the knobs (environment) with their defaults, checked: a bad one exits 2 with one line.
settings() {
	KERNELS=${KERNELS:-stock patched mainline}
	JOBS=${JOBS:-randread-4k randwrite-4k seqread-128k}
	MODES=${MODES:-auto}
	known_modes=$(python3 compare/util.py modes) # the PI modes are defined there
	case $MODES in
	auto) try_modes=$(python3 compare/util.py modes auto) ;;
	all) try_modes=$known_modes ;;
	*) try_modes=$MODES ;;
	esac
	RUNTIME=${RUNTIME:-5}
	RAMP=${RAMP:-1}
	SIZE=${SIZE:-64m}
	REPEAT=${REPEAT:-3}
	THRESHOLD=${THRESHOLD:-auto}
	GATE=${GATE:-iops}
	SLOW=${SLOW:-}
	SLOW_PCT=${SLOW_PCT:-10}
	SLOW_IN=${SLOW_IN:-user}
	HOSTS=${HOSTS:-}
	if [ -n "$HOSTS" ]; then TIMING=${TIMING:-real}; else TIMING=${TIMING:-icount}; fi
	if [ "$TIMING" = icount ]; then DEVICE=${DEVICE:-scsi-dif-crc}; else DEVICE=${DEVICE:-nvme-512-8-t1}; fi
	OUT=${OUT:-$BUILD/compare}
	case $OUT in /*) ;; *) OUT=$TOP/$OUT ;; esac

	for j in $JOBS; do
		[ -f "jobs/perf/$j.fio" ] || { echo "uring-pi: compare: no job file jobs/perf/$j.fio" >&2; exit 2; }
	done
	[[ $REPEAT =~ ^[1-9][0-9]*$ ]] || { echo "uring-pi: compare: REPEAT=$REPEAT: want a count" >&2; exit 2; }
	for m in $try_modes; do
		case " $known_modes " in *" $m "*) ;; *)
			echo "uring-pi: compare: MODES: unknown PI mode $m (auto, all, or some of: $known_modes)" >&2
			exit 2 ;;
		esac
	done
	for g in ${GATE//,/ }; do
		case $g in iops | bw | p50 | p99 | cpu) ;; *) echo "uring-pi: compare: GATE=$GATE: $g is not one of iops,bw,p50,p99,cpu" >&2; exit 2 ;; esac
	done
	case $TIMING in icount | real) ;; *) echo "uring-pi: compare: TIMING=$TIMING: want icount or real" >&2; exit 2 ;; esac
	[ -z "$HOSTS" ] || [ "$TIMING" = real ] ||
		{ echo "uring-pi: compare: TIMING=icount is for guests; real hosts keep real time (TIMING=real)" >&2; exit 2; }
	[[ $SLOW_PCT =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "uring-pi: compare: SLOW_PCT=$SLOW_PCT: want a percentage" >&2; exit 2; }
	case $SLOW_IN in user) ;; kernel)
		[ -z "$HOSTS" ] || { echo "uring-pi: compare: SLOW_IN=kernel is for guests (a kernel built with tests/kernel/slow-submit.patch)" >&2; exit 2; } ;;
	*) echo "uring-pi: compare: SLOW_IN=$SLOW_IN: want user or kernel" >&2; exit 2 ;;
	esac
	[ "$THRESHOLD" = auto ] || [[ $THRESHOLD =~ ^[0-9]+(\.[0-9]+)?$ ]] ||
		{ echo "uring-pi: compare: THRESHOLD=$THRESHOLD: want auto or a percentage" >&2; exit 2; }
}

# kernels_to_run: labels and kernels (or hosts) of KERNELS= (HOSTS=), BASELINE, SLOW checked.
kernels_to_run() {
	labels=() kernels=()
	for e in $KERNELS; do
		if [[ $e == *=* ]]; then l=${e%%=*} k=${e#*=}; else k=$e l=$e; fi
		case $k in
		*/*) [[ $e == *=* ]] || l=$(basename "$(dirname "$k")"); f=$k ;;
		*) f=$(kernel_image "$k") ;;
		esac
		if [ -z "$HOSTS" ] && ! [ -f "$f" ]; then
			echo "uring-pi: compare: kernel $k is not built ($f missing; vm/kernel.sh $k builds it): skipped" >&2
			continue
		fi
		for x in "${labels[@]}"; do
			[ "$x" != "$l" ] || { echo "uring-pi: compare: two kernels labelled $l; write LABEL=KERNEL" >&2; exit 2; }
		done
		labels+=("$l") kernels+=("$k")
	done
	if [ -n "$HOSTS" ]; then
		labels=() kernels=()
		IFS=, read -ra hosts <<<"$HOSTS"
		for e in "${hosts[@]}"; do
			if [[ $e == *=* ]]; then labels+=("${e%%=*}") kernels+=("${e#*=}"); else labels+=("$e") kernels+=("$e"); fi
		done
		[ "$(printf '%s\n' "${labels[@]}" | sort | uniq -d)" = "" ] ||
			{ echo "uring-pi: compare: two hosts labelled alike; write LABEL=HOST:PORT" >&2; exit 2; }
	fi
	[ ${#labels[@]} -gt 0 ] || { echo "uring-pi: compare: no kernel to run" >&2; exit 2; }
	[ -z "$HOSTS" ] || [ -n "${DEV:-}" ] || { echo "uring-pi: compare: HOSTS= needs DEV=, the device(s) on the hosts" >&2; exit 2; }
	BASELINE=${BASELINE:-${labels[0]}}
	[ -z "$SLOW" ] || printf '%s\n' "${labels[@]}" | grep -qx -- "$SLOW" ||
		{ echo "uring-pi: compare: SLOW=$SLOW is none of: ${labels[*]}" >&2; exit 2; }
	[ -z "$SLOW" ] || [ "$SLOW" != "$BASELINE" ] ||
		{ echo "uring-pi: compare: SLOW=$SLOW is the baseline; slow another kernel" >&2; exit 2; }
}

# prepare: an empty OUT/raw, and the time limit of a guest (limit).
prepare() {
	rm -rf "$OUT/raw"
	mkdir -p "$OUT/raw" "$OUT/logs"
	# guest time limit: boot, and on every device fill, probes, and every job (two of RUNTIME + RAMP) in every mode
	nmodes=$(echo "$try_modes" | wc -w)
	ndevs=$(echo "${DEVICE//,/ }" | wc -w)
	limit=$((300 + ndevs * (60 + nmodes * (2 * (RUNTIME + RAMP) + 10) * $(echo "$JOBS" | wc -w))))
	[ "$TIMING" = real ] || limit=$((limit * 4)) # a guest second of one vCPU counting instructions takes longer
}

# fio --client on HOST:PORT with job file $2 -> $3 (fio JSON); the reason on stderr when it fails.
client() {
	local hp=$1 job=$2 out=$3
	"${FIO_CLIENT:-$TOP/build/fio/fio}" --client="${hp%:*},${hp##*:}" --output-format=json "$job" >"${out%.json}.client" 2>&1
	python3 compare/util.py result "${out%.json}.client" "$out"
}

# run_mode MODE HOST:PORT JOB OUT: client() in a PI mode; mode none turns the kernel's
# own PI off around the job through the guest's control port (CTL_PORT; none needs a guest).
run_mode() {
	local m=$1 why rc
	[ "$m" = none ] || { client "$2" "$3" "$4"; return; }
	[ -n "${CTL_PORT:-}" ] || { echo "mode none needs a guest (it turns the kernel's PI off there)" >&2; return 1; }
	why=$(python3 compare/util.py ctl "$CTL_PORT" "integrity 0 $DEV" 2>&1 >/dev/null) ||
		{ echo "cannot turn the kernel's PI off: $why" >&2; return 1; }
	client "$2" "$3" "$4"
	rc=$?
	why=$(python3 compare/util.py ctl "$CTL_PORT" "integrity 1 $DEV" 2>&1 >/dev/null) ||
		{ echo "cannot turn the kernel's PI back on: $why" >&2; return 1; }
	return $rc
}

# fill HOST:PORT DIR WHAT: write the region the jobs use, with PI (jobs/perf/fill.fio, mode off).
fill() {
	local why
	python3 compare/util.py job jobs/perf/fill.fio off >"$2/fill.fio" &&
		why=$(client "$1" "$2/fill.fio" "$2/fill.json.tmp" 2>&1) ||
		{ echo "uring-pi: compare: filling $3 failed: $why" >&2; return 1; }
	rm -f "$2/fill.json.tmp"
}

# drive LABEL HOST:PORT ROUND NAME DEV: fill device DEV (NAME in the report), find the PI modes
# it supports (MODES=auto or all), then every job in every mode, reads first, through the
# fio --server on HOST:PORT. Results: raw/LABEL/rROUND/NAME/JOB.MODE.json (+ .fio, .client).
drive() {
	local l=$1 hp=$2 r=$3 DEV=$5 dir=$OUT/raw/$1/r$3/$4 log=$OUT/logs/$1.r$3 rc=0 j m why modes=() jobs_in_order
	local slow_ns='' base_dir n ns
	mkdir -p "$dir"
	export DEV RUNTIME RAMP SIZE THINKTIME=0
	if [ "$l" = "$SLOW" ]; then
		# the cost of one unit of the planted cost here: a thinkcycle of fio (the cal job, no I/O), or an
		# iteration of the kernel's loop per bio (the kcal job on the device), with none and n of them
		local cal=cal unit=thinkcycle
		[ "$SLOW_IN" = user ] && n=10000 || { cal=kcal unit=kernel-loop n=2000; }
		for c in 0 $n; do
			if [ $cal = kcal ]; then
				why=$(python3 compare/util.py ctl "$CTL_PORT" "slow $c" 2>&1 >/dev/null) ||
					{ echo "uring-pi: compare: SLOW_IN=kernel on $l: $why" >&2; return 1; }
			fi
			THINKCYCLES=$c python3 compare/util.py job $cal off >"$dir/$cal.$c.fio" &&
				why=$(client "$hp" "$dir/$cal.$c.fio" "$dir/$cal.$c.json.tmp" 2>&1) ||
				{ echo "uring-pi: compare: SLOW: timing the planted cost on $l failed: $why" >&2; return 1; }
		done
		[ $cal = cal ] || python3 compare/util.py ctl "$CTL_PORT" "slow 0" >/dev/null || return 1
		slow_ns=$(python3 compare/util.py cycles "$dir/$cal.0.json.tmp" "$dir/$cal.$n.json.tmp" $n) || return 1
		rm -f "$dir"/$cal.*.json.tmp
		echo "$slow_ns" >"$dir/ns-per-$unit"
	fi
	fill "$hp" "$dir" "$4 ($DEV) on $l" || return 1
	for m in $try_modes; do
		python3 compare/util.py job probe "$m" >"$dir/probe.$m.fio" || return 1
		if why=$(run_mode "$m" "$hp" "$dir/probe.$m.fio" "$dir/probe.$m.json.tmp" 2>&1); then
			modes+=("$m")
		elif [ "$MODES" = auto ] || [ "$MODES" = all ]; then
			echo "$l: mode $m not supported on $4: $why" >>"$log.err"
		else
			echo "uring-pi: compare: mode $m does not run on $l ($4): $why" >&2
			rc=1
		fi
		rm -f "$dir/probe.$m.json.tmp"
	done
	echo "${modes[*]}" >"$dir/modes"
	# shellcheck disable=SC2086 # JOBS is a list of words, one job each
	jobs_in_order=$(printf '%s\n' $JOBS | grep -v write; printf '%s\n' $JOBS | grep write)
	for j in $jobs_in_order; do
		for m in "${modes[@]}"; do
			if [ "$l" = "$SLOW" ]; then
				# the baseline's result of this round, or of the last round before it that has one
				base_dir=
				for b in $(seq "$r" -1 1); do
					[ -f "$OUT/raw/$BASELINE/r$b/$4/$j.$m.json" ] && { base_dir=$OUT/raw/$BASELINE/r$b/$4; break; }
				done
				[ -n "$base_dir" ] || {
					echo "uring-pi: compare: SLOW: no result of $BASELINE for $j ($m) to slow $l by; put the baseline before $l in KERNELS" >&2
					rc=1; continue; }
				export SLOW_FROM=$base_dir/$j.$m.json SLOW_PCT SLOW_PLANTED=$dir/$j.$m.planted
				if [ "$SLOW_IN" = kernel ]; then
					ns=$(SLOW_NS_PER_CYCLE=$slow_ns python3 compare/util.py kslow) &&
						why=$(python3 compare/util.py ctl "$CTL_PORT" "slow $ns" 2>&1 >/dev/null) ||
						{ echo "uring-pi: compare: SLOW_IN=kernel on $l: ${why:-no cost}" >&2; return 1; }
					SLOW_FROM='' # the kernel is slowed: no thinkcycles in the job
				fi
			fi
			SLOW_NS_PER_CYCLE=$slow_ns python3 compare/util.py job "jobs/perf/$j.fio" "$m" >"$dir/$j.$m.fio" || return 1
			unset SLOW_FROM SLOW_PLANTED
			why=$(run_mode "$m" "$hp" "$dir/$j.$m.fio" "$dir/$j.$m.json" 2>&1) || {
				rm -f "$dir/$j.$m.json"
				echo "uring-pi: compare: $j ($m) on $l ($4) failed: $why" >&2
				rc=1
			}
			# mode none wrote without PI; a device that does not make it (scsi_debug: the kernel leaves
			# the PI to an HBA it does not emulate) keeps the tags of what was there before
			if [ "$m" = none ] && [[ $j == *write* ]]; then fill "$hp" "$dir" "$4 ($DEV) on $l after $j (none)" || return 1; fi
		done
	done
	return $rc
}

# run_guest LABEL KERNEL ROUND: a guest serving fio --server on a forwarded loopback port.
run_guest() {
	local l=$1 k=$2 r=$3 log=$OUT/logs/$1.r$3 fport cport vm rc=0 vrc greeting d t0=$SECONDS
	fport=$(python3 compare/util.py port) cport=$(python3 compare/util.py port)
	# disk images and console logs of this run's own (runs with different OUT go side by side)
	URING_PI_TIMING=$TIMING vm/vm.sh -k "$k" -d "$DEVICE" -i "$OUT/vm" -t "$limit" -p "$fport:8765" -p "$cport:8766" -- compare/guest.sh \
		>"$log.out" 2>"$log.err" &
	vm=$!
	until greeting=$(python3 compare/util.py ctl "$cport" hello); do
		kill -0 $vm 2>/dev/null || break
		sleep 1
	done
	if [ -n "$greeting" ]; then
		# "ready KERNEL NAME=/dev/DEV ...": every device of the set, in DEVICE's order
		for d in ${greeting#ready * }; do
			CTL_PORT=$cport drive "$l" "127.0.0.1:$fport" "$r" "${d%%=*}" "${d#*=}" || rc=1
		done
		python3 compare/util.py ctl "$cport" stop >/dev/null
	fi
	wait $vm
	vrc=$?
	say "compare: round $r $l ($k): $(ls "$OUT/raw/$l/r$r"/*/*.json 2>/dev/null | wc -l) results, $((SECONDS - t0)) s, modes: $(cat "$OUT/raw/$l/r$r"/*/modes 2>/dev/null | sort -u | tr '\n' ' ')"
	[ $vrc -eq 0 ] || { echo "uring-pi: compare: the $l guest of round $r exited $vrc: $(tail -n 3 "$log.err" | tr '\n' ' ')" >&2; return 1; }
	return $rc
}

# run_host LABEL HOST:PORT ROUND: the same jobs on a remote fio --server (see README), on each
# device of DEV, named in the report by its file name.
run_host() {
	local d rc=0
	for d in ${DEV//,/ }; do
		drive "$@" "$(basename "$d")" "$d" || rc=1
	done
	return $rc
}

# rounds: every kernel once a round, REPEAT rounds; failed=1 if a run failed.
rounds() {
	t0=$SECONDS
	failed=0
	# Rounds alternate the order, A B C then C B A (ABBA): a kernel's place in a round (after which
	# other guest, on a warmer or busier host) is the same for every kernel over two rounds.
	for r in $(seq 1 "$REPEAT"); do
		order=$(seq 0 $((${#labels[@]} - 1)))
		[ $((r % 2)) = 1 ] || order=$(echo "$order" | tac)
		for i in $order; do
			if [ -n "$HOSTS" ]; then
				run_host "${labels[$i]}" "${kernels[$i]}" "$r" || failed=1
			else
				run_guest "${labels[$i]}" "${kernels[$i]}" "$r" || failed=1
			fi
		done
	done
	rm -f "$OUT"/vm/*.img # the devices' images; their console logs stay in $OUT/vm/logs
	say "compare: ${#labels[@]} kernels x $REPEAT rounds in $((SECONDS - t0)) s"
}

# report: report.md (and report.png with gnuplot) from OUT/raw; exit 1 on a regression, 2 on a failed run.
report() {
	python3 compare/report.py "$OUT" "${labels[*]}" "$BASELINE" "$THRESHOLD" "$GATE" "$TIMING"
	rc=$?
	if [ $rc -le 1 ] && command -v gnuplot >/dev/null; then
		n=${#labels[@]}
		rows=$(($(wc -l <"$OUT/report.dat") - 1))
		gnuplot <<-EOF 2>"$OUT/logs/gnuplot.err" || echo "uring-pi: compare: gnuplot failed: $(head -n 3 "$OUT/logs/gnuplot.err")" >&2
	set terminal pngcairo size $((400 + 60 * rows * n > 1600 ? 1600 : 400 + 60 * rows * n)),600 noenhanced
	set output "$OUT/report.png"
	set title "median IOPS relative to the baseline ($BASELINE), per job and PI mode"
	set style data histograms
	set style histogram clustered gap 1
	set style fill solid 0.8 border -1
	set ylabel "IOPS / baseline IOPS"
	set yrange [0:*]
	set offsets 0,0,0.1,0
	set rmargin 10
	set xtics rotate by -35 font ",8"
	set key outside top center horizontal
	set grid ytics
	set datafile missing "-"
	plot for [c=2:$((n + 1))] "$OUT/report.dat" using c:xtic(1) title columnheader(c), 1 with lines lc rgb "black" dt 2 notitle
	EOF
	elif [ $rc -le 1 ]; then
		echo "uring-pi: compare: no gnuplot, no report.png (scripts/deps-vm.sh installs gnuplot-nox)" >&2
	fi
	say "compare: report $OUT/report.md"
	[ $rc -ne 0 ] && exit $rc
	[ $failed -eq 0 ] || exit 2
	exit 0
}

main() {
	settings
	kernels_to_run
	prepare
	rounds
	report
}

main
