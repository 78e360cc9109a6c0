# shellcheck shell=bash
# Sourced by tests/vm/jobs.sh, trim.sh and soak.sh, on the host and in their guests: the counting
# of tests/lib.sh, one guest run whose results count here, the engine's PI summary lines summed.
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
. "$TOP/tests/lib.sh"
cd "$TOP" || exit 1

# guest LOG VM.SH-ARGS... -- COMMAND: one vm/vm.sh run (output in LOG); relays COMMAND's "ok"/"FAIL"
# lines, their "     | " details and its "# " notes, adds its result line to ours and its
# bad input records to ours (tests/lib.sh); an exit status but 0 (or 1 with a failure) fails (guest_ok).
guest() {
	local log=$1 rc
	shift
	vm/vm.sh "$@" >"$log" 2>&1
	rc=$?
	grep -E '^(ok|FAIL|skip) |^     \| |^# ' "$log"
	bad_input_collect "$log"
	if ! counts_from "$log"; then
		fail "the guest ended (exit $rc) before its result line (log: $log)"
		tail -n 5 "$log" | sed 's/^/     | /'
	else
		guest_ok "${log#"$TOP/"}" "$rc" "$log"
	fi
}

# pi_total FIELD OUTPUT: FIELD (generated, checked, escaped or errors) summed over the PI summary lines.
pi_total() {
	grep -o 'uring_pi: PI summary: .*' <<<"$2" | sed -E 's/.*summary: ([0-9]+) intervals generated, ([0-9]+) checked, ([0-9]+) escaped[^,]*, ([0-9]+) errors.*/\1 \2 \3 \4/' |
		awk -v f="$1" 'BEGIN { i = f == "generated" ? 1 : f == "checked" ? 2 : f == "escaped" ? 3 : 4 } { s += $i } END { print s + 0 }'
}
