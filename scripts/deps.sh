#!/usr/bin/env bash
# Debian packages needed to build and test the engine (idempotent).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
# clang and libclang-rt-14-dev (its libFuzzer runtime, only recommended by clang): tests/fuzz/
# make lint: shellcheck, and perl for checkpatch.pl
pkgs=(build-essential pkg-config liburing-dev nasm zlib1g-dev curl ca-certificates python3 valgrind bc fio
	clang libclang-rt-14-dev shellcheck perl)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
[ "$(id -u)" -eq 0 ] || die "missing packages: ${missing[*]}; run: sudo apt-get install ${missing[*]}"
say "installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get -q update >/dev/null
apt-get -q -y install --no-install-recommends "${missing[@]}" >/dev/null
