#!/usr/bin/env bash
# The pinned fio: 3.41's upstream tarball from Debian's pool, built in build/fio with the
# isa-l that configure chose (ISAL_PREFIX, empty = the system's). --disable-native: the
# same binary runs in QEMU guests (TCG has no AVX-512).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ver=3.41
out=$BUILD/fio
isal_prefix=${ISAL_PREFIX:-}
stamp="$out/.uring-pi-$ver-${isal_prefix:+isal-built}"
[ -x "$out/fio" ] && [ -f "$stamp" ] && exit 0
tarball=$(fetch f/fio/fio_$ver.orig.tar.gz a40b45112005e30a67bab6be4860b198c35104a628b6ec4d15720d62b5d1bab9)
rm -rf "$out" "$BUILD/src/fio-$ver" && mkdir -p "$BUILD/src"
tar -C "$BUILD/src" -xzf "$tarball"
mv "$BUILD/src/fio-$ver" "$out"
cd "$out"
cflags=() ldflags=
if [ -n "$isal_prefix" ]; then
	cflags=("--extra-cflags=-I$isal_prefix/include")
	ldflags="-L$isal_prefix/lib"
fi
say "configuring fio $ver"
LDFLAGS=$ldflags ./configure --disable-native "${cflags[@]}" >configure.log 2>&1 ||
	die "fio configure failed, see $out/configure.log"
grep -E '^isal ' configure.log | grep -q yes || die "fio $ver did not find isa-l (see $out/configure.log)"
say "building fio $ver ($(grep -E '^isal' configure.log | tr -s ' ' | paste -sd, -))"
make -j"$(nproc)" fio >build.log 2>&1 || die "fio build failed, see $out/build.log"
touch "$stamp"
