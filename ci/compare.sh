#!/bin/bash
# ci/compare.sh: performance of the jobs of jobs/perf/ across kernels, with a report.
# Every knob is an environment variable (make compare passes them through):
#   KERNELS    "stock patched mainline": names of ci/kernel.sh or bzImage paths, each
#              optionally LABEL=KERNEL (e.g. "a=stock b=build/kernels/stock/bzImage")
#   DEVICE     nvme-512-8-t1 (a device of ci/vm.sh)
#   JOBS       "randread-4k randwrite-4k seqread-128k" (jobs/perf/NAME.fio)
#   MODES      auto (every PI mode the kernel supports: off kernel engine-sqe128 engine-attr), or a list
#   RUNTIME=5 RAMP=1 SIZE=64m   per fio job;  REPEAT=3 rounds, kernels alternating A B C A B C
#   BASELINE   the first kernel's label (stock by default)
#   THRESHOLD  auto = max(10%, 3 x measured spread), or a percentage
#   GATE       iops: metrics that decide the exit status (any of iops,bw,p50,p99,cpu)
#   SLOW       a kernel label whose runs get thinktime=SLOW_THINKTIME us (default 1000) after
#              every I/O: a deliberately slowed run, to show the threshold trips
#   OUT        build/compare: report.md, report.png, raw/LABEL/rN/JOB.MODE.json, logs/
#   HOSTS      [LABEL=]host:port,...: instead of guests, drive remote "fio --server" hosts
#              with fio --client; DEV = the device on those hosts; MODES=auto means off there
#              (name the PI modes the hosts support: MODES="off kernel engine-attr"); see README
# Exit: 0 no regression, 1 a result worse than the baseline beyond the threshold,
#       2 usage error, no result, or a run failed.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$TOP"

KERNELS=${KERNELS:-stock patched mainline}
DEVICE=${DEVICE:-nvme-512-8-t1}
JOBS=${JOBS:-randread-4k randwrite-4k seqread-128k}
MODES=${MODES:-auto}
RUNTIME=${RUNTIME:-5}
RAMP=${RAMP:-1}
SIZE=${SIZE:-64m}
REPEAT=${REPEAT:-3}
THRESHOLD=${THRESHOLD:-auto}
GATE=${GATE:-iops}
SLOW=${SLOW:-}
SLOW_THINKTIME=${SLOW_THINKTIME:-1000}
HOSTS=${HOSTS:-}
OUT=${OUT:-$BUILD/compare}
case $OUT in /*) ;; *) OUT=$TOP/$OUT ;; esac

for j in $JOBS; do
	[ -f "jobs/perf/$j.fio" ] || { echo "uring-pi: compare: no job file jobs/perf/$j.fio" >&2; exit 2; }
done
[[ $REPEAT =~ ^[1-9][0-9]*$ ]] || { echo "uring-pi: compare: REPEAT=$REPEAT: want a count" >&2; exit 2; }

# kernel entry -> its label and kernel; a kernel that is not built is skipped.
labels=() kernels=()
for e in $KERNELS; do
	if [[ $e == *=* ]]; then l=${e%%=*} k=${e#*=}; else k=$e l=$e; fi
	case $k in
	*/*) [[ $e == *=* ]] || l=$(basename "$(dirname "$k")"); f=$k ;;
	distro) f=$BUILD/kernels/distro/vmlinuz ;;
	*) f=$BUILD/kernels/$k/bzImage ;;
	esac
	if [ -z "$HOSTS" ] && ! [ -f "$f" ]; then
		echo "uring-pi: compare: kernel $k is not built ($f missing; ci/kernel.sh $k builds it): skipped" >&2
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
BASELINE=${BASELINE:-${labels[0]}}
[ -z "$SLOW" ] || printf '%s\n' "${labels[@]}" | grep -qx -- "$SLOW" ||
	{ echo "uring-pi: compare: SLOW=$SLOW is none of: ${labels[*]}" >&2; exit 2; }

rm -rf "$OUT/raw"
mkdir -p "$OUT/raw" "$OUT/logs"
# guest time limit: boot, fill, probes, and every job in up to four modes
per_file=$((2 * (RUNTIME + RAMP) + 5))
limit=$((300 + 4 * per_file * $(echo $JOBS | wc -w)))

# split LOG's marker-delimited results into DIR/JOB.MODE.json
split_results() {
	awk -v dir="$2" '
		$1 == "@@@" && $3 == "BEGIN" { f = dir "/" $4 "." $5 ".json"; next }
		$1 == "@@@" && $3 == "END" { close(f); f = ""; next }
		f != "" { print > f }' "$1"
}

# run_guest LABEL KERNEL ROUND
run_guest() {
	local l=$1 k=$2 r=$3 dir=$OUT/raw/$1/r$3 log=$OUT/logs/$1.r$3 think=0 rc t0=$SECONDS
	mkdir -p "$dir"
	[ "$l" != "$SLOW" ] || think=$SLOW_THINKTIME
	ci/vm.sh -k "$k" -d "$DEVICE" -t "$limit" -e "JOBS=$JOBS" -e "MODES=$MODES" -e "RUNTIME=$RUNTIME" \
		-e "RAMP=$RAMP" -e "SIZE=$SIZE" -e "THINKTIME=$think" -- ci/compare-guest.sh >"$log.out" 2>"$log.err"
	rc=$?
	split_results "$log.out" "$dir"
	say "compare: round $r $l ($k): $(ls "$dir" | wc -l) results, $((SECONDS - t0)) s, $(sed -n 's/^@@@ uring-pi-compare MODES/modes:/p' "$log.out")"
	[ $rc -eq 0 ] || { echo "uring-pi: compare: round $r on $l exited $rc: $(tail -n 3 "$log.err" | tr '\n' ' ')" >&2; return 1; }
}

# expand_job JOBFILE: the job file with its ${VARS} filled in as ci/job.sh does
# (environment first, then the file's "# default NAME=VALUE" lines).
expand_job() {
	python3 - "$1" <<'PY'
import os, re, sys
text = open(sys.argv[1]).read()
env = dict(re.findall(r"^# default ([A-Z_][A-Z0-9_]*)=(.*)$", text, re.M))
env.update(os.environ)
def sub(m):
    if m.group(1) not in env:
        sys.exit(f"uring-pi: compare: {sys.argv[1]} needs {m.group(1)}")
    return env[m.group(1)]
sys.stdout.write(re.sub(r"\$\{([A-Z_][A-Z0-9_]*)\}", sub, text))
PY
}

# run_host LABEL HOST:PORT ROUND: the same jobs on a remote fio --server (see README).
run_host() {
	local l=$1 h=$2 r=$3 dir=$OUT/raw/$1/r$3 log=$OUT/logs/$1.r$3 rc=0 think=0 j m env
	mkdir -p "$dir"
	[ "$l" != "$SLOW" ] || think=$SLOW_THINKTIME
	: "${DEV:?HOSTS= needs DEV=, the device (or file) on the hosts}"
	for j in $JOBS; do
		for m in $([ "$MODES" = auto ] && echo off || echo "$MODES"); do
			case $m in
			off) env="PI_CHK=off PI_ACT=1 PI_ABI=auto" ;;
			kernel) env="PI_CHK=GUARD,REFTAG PI_ACT=1 PI_ABI=auto" ;;
			engine-sqe128) env="PI_CHK=GUARD,REFTAG PI_ACT=0 PI_ABI=sqe128" ;;
			engine-attr) env="PI_CHK=GUARD,REFTAG PI_ACT=0 PI_ABI=attr" ;;
			*) echo "uring-pi: compare: unknown mode $m" >&2; return 1 ;;
			esac
			# the server would expand ${VARS} from its own environment: send the job file expanded here
			(export $env DEV="$DEV" RUNTIME="$RUNTIME" RAMP="$RAMP" SIZE="$SIZE" THINKTIME="$think"
				expand_job "jobs/perf/$j.fio") >"$dir/$j.$m.fio" || return 1
			# HOSTS has host:port, fio wants host,port
			if ! "${FIO_CLIENT:-$TOP/build/fio/fio}" --client="${h%:*},${h##*:}" --output-format=json "$dir/$j.$m.fio" \
				>"$dir/$j.$m.client" 2>>"$log.err"; then
				echo "uring-pi: compare: $j ($m) on $h failed: $(tail -n 3 "$log.err" | tr '\n' ' ')" >&2
				rc=1
				continue
			fi
			# the client's JSON (from the first "{" line on), without the per-client wrapper
			python3 - "$dir/$j.$m.client" "$dir/$j.$m.json" <<'PY'
import json, sys
t = open(sys.argv[1]).read()
d = json.loads(t[t.index("\n{") + 1 if not t.startswith("{") else 0:])
if "client_stats" in d:
    d = {"jobs": [j for j in d["client_stats"] if j.get("jobname") != "All clients"]}
json.dump(d, open(sys.argv[2], "w"))
PY
		done
	done
	return $rc
}

t0=$SECONDS
failed=0
for r in $(seq 1 "$REPEAT"); do
	for i in "${!labels[@]}"; do
		if [ -n "$HOSTS" ]; then
			run_host "${labels[$i]}" "${kernels[$i]}" "$r" || failed=1
		else
			run_guest "${labels[$i]}" "${kernels[$i]}" "$r" || failed=1
		fi
	done
done
say "compare: ${#labels[@]} kernels x $REPEAT rounds in $((SECONDS - t0)) s"

python3 ci/compare_report.py "$OUT" "${labels[*]}" "$BASELINE" "$THRESHOLD" "$GATE"
rc=$?
if [ $rc -le 1 ] && command -v gnuplot >/dev/null; then
	n=${#labels[@]}
	rows=$(($(wc -l <"$OUT/report.dat") - 1))
	gnuplot <<EOF 2>"$OUT/logs/gnuplot.err" || echo "uring-pi: compare: gnuplot failed: $(head -n 3 "$OUT/logs/gnuplot.err")" >&2
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
	echo "uring-pi: compare: no gnuplot, no report.png (ci/deps-vm.sh installs gnuplot-nox)" >&2
fi
say "compare: report $OUT/report.md"
[ $rc -ne 0 ] && exit $rc
[ $failed -eq 0 ] || exit 2
exit 0
