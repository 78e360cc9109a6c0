#!/bin/bash
# Install what the QEMU harness needs (guest kernel builds, disk images, the launcher)
# on a Debian bookworm host. Idempotent: installs only what is missing, quietly.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

pkgs=(
	qemu-system-x86 qemu-utils          # the guest and image tools
	ccache gcc make bc flex bison       # kernel build
	libelf-dev libssl-dev dwarves
	cpio xz-utils zstd gzip kmod        # tarballs, initramfs, module deps (distro kernel)
	busybox-static                      # initramfs userland for the distro kernel
	linux-source-6.12                   # the 6.12 base tree (stock/patched)
	curl ca-certificates debian-archive-keyring   # fetch/papt
	coreutils util-linux
	gnuplot-nox                         # compare/compare.sh: report.png
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f '${db:Status-Status}\n' "$p" 2>/dev/null | grep -qx installed || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	say "vm harness dependencies already installed"
	exit 0
fi
[ "$(id -u)" = 0 ] || die "need root to install: ${missing[*]} (run: sudo $0)"
say "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# A fresh machine may have no package lists yet (or old ones that miss linux-source-6.12).
if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
	apt-get update -q >/dev/null || die "apt-get update failed (network?)"
	apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null ||
		die "apt-get install failed for: ${missing[*]}"
fi
[ -f /usr/src/linux-source-6.12.tar.xz ] || die "linux-source-6.12 installed but /usr/src/linux-source-6.12.tar.xz is missing"
say "vm harness dependencies installed"
