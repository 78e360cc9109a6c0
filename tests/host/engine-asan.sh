#!/usr/bin/env bash
# The host tests that load the engine (engine.sh, exports.sh, trim.sh) again, with the engine built
# with ASan + UBSan (make SANITIZE=1 build/asan/uring_pi.so), in the plain fio: every sanitizer report
# fails the case it appears in (tests/lib.sh). The other host tests run no engine (configure.sh builds
# engines of its own).
here=$(cd "$(dirname "$0")" && pwd)
so=$here/../../build/asan/uring_pi.so
if [ ! -f "$so" ]; then
	echo "FAIL $so is missing: make build/asan/uring_pi.so (or make check-host) builds it"
	echo "0 passed, 1 failed"; exit 1
fi
ENGINE_SO=$(cd "${so%/*}" && pwd)/uring_pi.so exec "$here/../run.sh" "$here"/engine.sh "$here"/exports.sh "$here"/trim.sh
