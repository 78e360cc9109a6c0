#!/usr/bin/env bash
# The engine's host tests (tests/host/*.sh but this one, configure.sh, which builds engines of its
# own, and usage.sh and records.sh, which run no engine) with the engine built with ASan + UBSan (make
# SANITIZE=1 build/asan/uring_pi.so), in the plain fio: every sanitizer report fails the case it appears
# in (tests/lib.sh).
here=$(cd "$(dirname "$0")" && pwd)
so=$here/../../build/asan/uring_pi.so
if [ ! -f "$so" ]; then
	echo "FAIL $so is missing: make build/asan/uring_pi.so (or make check-host) builds it"
	echo "0 passed, 1 failed"; exit 1
fi
tests=()
for t in "$here"/*.sh; do
	case ${t##*/} in engine-asan.sh|configure.sh|usage.sh|records.sh) ;; *) tests+=("$t") ;; esac
done
ENGINE_SO=$(cd "${so%/*}" && pwd)/uring_pi.so exec "$here/../run.sh" "${tests[@]}"
