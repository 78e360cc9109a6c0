#!/usr/bin/env bash
# The engine exports one symbol into fio's process: `ioengine`, the name fio 3.41 looks up in an
# external engine (it dlsym()s "ioengine"). The engine's own functions and those of a
# static isa-l are hidden (Makefile: -fvisibility=hidden, --exclude-libs), so none can take the place
# of fio's or another library's symbol of the same name.
source "$(dirname "$0")/../lib.sh"
so=${ENGINE#external:}
want=ioengine
# A sanitized build (tests/host/engine-asan.sh) also has ASan's ODR indicator of that one global.
[ -n "$SAN_PRELOAD" ] && want="__odr_asan.ioengine ioengine"
if ! syms=$(nm -D --defined-only "$so" 2>&1); then
	fail "nm -D --defined-only $so: $syms"; done_tests; exit 1
fi
got=$(awk 'NF == 3 {print $3}' <<<"$syms" | LC_ALL=C sort | paste -sd' ')
[ "$got" = "$want" ] && pass "$so exports only: $want" || fail "$so exports: $got (want only: $want)"
grep -qE '^[0-9a-f]+ D ioengine$' <<<"$syms" && pass "ioengine is an initialized data object" ||
	fail "ioengine is not a defined data object: $(grep -w ioengine <<<"$syms")"
done_tests
