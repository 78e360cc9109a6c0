#!/usr/bin/env bash
# isa-l >= 2.31 (crc64_rocksoft_refl): Debian's 2.31.1 source built into build/isal
# (static, position-independent, so both fio and the engine link it in).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ver=2.31.1
out=$BUILD/isal
[ -f "$out/lib/libisal.a" ] && [ -f "$out/.version-$ver" ] && exit 0
tarball=$(fetch libi/libisal/libisal_$ver.orig.tar.gz e1d5573a4019738243b568ab1e1422e6ab7557c5cae33cc8686944d327ad6bb4)
src=$BUILD/src/isa-l-$ver
rm -rf "$src" "$out" && mkdir -p "$BUILD/src" "$out/lib" "$out/include/isa-l"
tar -C "$BUILD/src" -xzf "$tarball"
say "building isa-l $ver"
make -C "$src" -f Makefile.unx -j"$(nproc)" lib DEBUG=-fPIC >"$BUILD/isal-build.log" 2>&1 ||
	die "isa-l build failed, see $BUILD/isal-build.log"
cp "$src/bin/isa-l.a" "$out/lib/libisal.a"
cp "$src"/include/*.h "$out/include/isa-l/"
cp "$src/isa-l.h" "$out/include/" 2>/dev/null || true
touch "$out/.version-$ver"
