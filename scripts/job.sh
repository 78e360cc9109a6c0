#!/usr/bin/env bash
# Run a job file of jobs/ with the pinned fio and the engine:
#   scripts/job.sh JOBFILE [fio options...]
# A job file's "# default NAME=VALUE" lines give the values of the
# ${NAME} it uses; the environment overrides them. DEV is required.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
job=${1:?usage: scripts/job.sh JOBFILE [fio options...]}
shift
[ -f "$job" ] || { echo "uring-pi: no job file $job" >&2; exit 2; }
while IFS=' ' read -r name value; do
	[ -n "$name" ] || continue
	[ -n "${!name+set}" ] || export "$name=$value"
done <<EOF
$(sed -n 's/^# default \([A-Z_][A-Z0-9_]*\)=\(.*\)$/\1 \2/p' "$job")
EOF
for v in $(grep -v '^#' "$job" | grep -o '\${[A-Z_][A-Z0-9_]*}' | sort -u | tr -d '${}'); do
	[ -n "${!v+set}" ] || { echo "uring-pi: $job needs $v (e.g. $v=/dev/nvme0n1)" >&2; exit 2; }
done
cd "$TOP"
exec "${FIO:-$TOP/build/fio/fio}" "$@" "$job"
