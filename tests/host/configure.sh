#!/usr/bin/env bash
# ./configure --fio=DIR: the engine built against another fio tree runs in
# that fio and is refused by the pinned one (and the other way round).
# The other tree is a copy of the pinned one linked again with another build-id (what the engine
# checks; building a second fio from source cost make check minutes of CPU).
source "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
alt=$TOP/build/fio-alt alt_id=7570692d616c7431
if [ ! -x "$alt/fio" ]; then
	rm -rf "$alt" && cp -a "$TOP/build/fio" "$alt" && rm "$alt/fio" &&
		echo "LDFLAGS+=-Wl,--build-id=0x$alt_id" >>"$alt/config-host.mak" && make -C "$alt" -s fio >/dev/null 2>&1 ||
		{ fail "building a second fio tree"; done_tests; exit 1; }
fi
id=$(readelf -n "$alt/fio" | awk '/Build ID/ { print $3 }')
[ "$id" = "$alt_id" ] && pass "the other tree's fio has its own build-id" ||
	fail "the other tree's fio: build-id $id, want $alt_id"
# A copy of the project that builds against the other tree.
mkdir -p "$tmp/p"
cp -r "$TOP/configure" "$TOP/Makefile" "$TOP/engines" "$TOP/scripts" "$TOP/tests" "$tmp/p/"
mkdir -p "$tmp/p/build" && ln -s "$TOP/build/isal" "$tmp/p/build/isal"
(cd "$tmp/p" && ./configure --fio="$alt" >"$tmp/configure.log" 2>&1)
grep -q "^fio .*fio-3.41 in $alt" "$tmp/configure.log" && pass "configure --fio reports the other tree" ||
	fail "configure --fio reports the other tree: $(cat "$tmp/configure.log")"
# config.log: each test's program, compiler command and status; on a failure the compiler's own words,
# and the refusal points to it.
log=$tmp/p/config.log
grep -qxF '#include <liburing.h>' "$log" && grep -qE '^## .* -o .*/t .*/t\.c -luring$' "$log" && grep -qx '## exit status 0' "$log" &&
	pass "config.log has the liburing test, its command and status" || fail "config.log: $(cat "$log" 2>&1)"
printf '#!/bin/sh\necho "badcc: cannot compile $*" >&2; exit 3\n' >"$tmp/badcc" && chmod +x "$tmp/badcc"
mkdir -p "$tmp/bad"
(cd "$tmp/bad" && "$tmp/p/configure" --cc="$tmp/badcc" >"$tmp/bad.out" 2>&1); rc=$?
[ "$rc" = 1 ] && grep -q '^configure: see the MISSING lines above and config.log ' "$tmp/bad.out" &&
	pass "a failing configure exits 1 and points to config.log" || fail "failing configure: rc=$rc: $(cat "$tmp/bad.out")"
grep -qx 'badcc: cannot compile -o .*/t .*/t\.c' "$tmp/bad/config.log" && grep -qx '## exit status 3' "$tmp/bad/config.log" &&
	pass "config.log has the failing compiler's output and status" || fail "config.log of the failure: $(cat "$tmp/bad/config.log")"
# plain make, as README says: it builds the engine (and nothing else first)
(cd "$tmp/p" && make -s >"$tmp/make.log" 2>&1) && [ -f "$tmp/p/engines/uring_pi.so" ] && pass "make builds the engine against the other tree" ||
	fail "engine builds against the other tree: $(tail -5 "$tmp/make.log")"
f=$tmp/data
ENGINE=external:$tmp/p/engines/uring_pi.so FIO=$alt/fio expect_ok "the other fio runs its engine" \
	--name=t --filename="$f" --size=4m --rw=randwrite --bs=4k --iodepth=8 --verify=crc32c --direct=1
ENGINE=external:$tmp/p/engines/uring_pi.so BAD="fio builds" BAD_TARGET=$f \
	expect_err "the pinned fio refuses the other tree's engine" \
	'^uring_pi: this engine was built for the fio binary with build-id' --name=t --filename="$f" --size=1m --rw=write
FIO=$alt/fio BAD="fio builds" BAD_TARGET=$f expect_err "the other fio refuses the pinned tree's engine" \
	'^uring_pi: this engine was built for the fio binary with build-id' --name=t --filename="$f" --size=1m --rw=write
done_tests
