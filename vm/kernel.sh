#!/bin/bash
# vm/kernel.sh NAME: build (or fetch) a guest kernel for the QEMU harness: a kernel of the table
# vm/kernels (its source, whether the series is applied, test-only patches, config fragments).
#   vm/kernel.sh tree SRCDIR: configure (unless done) and build a tree in place (make patches-check).
# Output: $BUILD/kernels/NAME/bzImage (distro: vmlinuz + initrd). Nothing is rebuilt when the
# output is newer than its inputs (config fragments, series and patches, source tarball).
# Only one kernel build runs at a time (a lock under $BUILD/kernels).
set -euo pipefail
. "$(dirname "$0")/../scripts/lib.sh"

MAINLINE_TARBALL=l/linux/linux_6.18.15.orig.tar.xz
MAINLINE_SHA256=fdf4c4d487c95b17a41cb38003faef86669e532a44fe702eb31a3390b6a60cca
STOCK_TARBALL=/usr/src/linux-source-6.12.tar.xz
SERIES_DIR=${URING_PI_SERIES_DIR:-$SERIES} # override: tests of this script
# The configuration fragments applied on top of tinyconfig, and the test-only patches applied after
# the series (never part of it): vm/guest.config, then the kernel's own from vm/kernels.
FRAGMENTS=("$TOP/vm/guest.config") EXTRA_PATCHES=()
if [ $# -eq 1 ] && is_kernel_name "$1"; then
	for f in $(kernel_field "$1" config | tr , ' '); do [ "$f" = - ] || FRAGMENTS+=("$TOP/$f"); done
	for f in $(kernel_field "$1" patches | tr , ' '); do [ "$f" = - ] || EXTRA_PATCHES+=("$TOP/$f"); done
fi

usage() { die "usage: vm/kernel.sh ${KERNEL_NAMES// /|}, or vm/kernel.sh tree SRCDIR"; }
[ $# -eq 1 ] || [ "${1:-}" = tree ] || usage
NAME=$1
OUT=$BUILD/kernels/$NAME
mkdir -p "$BUILD/kernels"

# newer_than OUTPUT INPUT...: true when OUTPUT exists and is newer than every INPUT.
newer_than() {
	local out=$1 f
	shift
	[ -e "$out" ] || return 1
	for f in "$@"; do
		[ "$out" -nt "$f" ] || return 1
	done
}

series_patches() { series_files "$SERIES_DIR"; }

lock_builds() {
	exec 9>"$BUILD/kernels/.lock"
	if ! flock -n 9; then
		say "another kernel build is running; waiting for it"
		flock 9
	fi
}

# fragments_sum: a short hash of the configuration fragments.
fragments_sum() { cat "${FRAGMENTS[@]}" | sha256sum | cut -c1-16; }

# configure SRC: tinyconfig + fragments + olddefconfig, then check every requested option (the last
# fragment that sets it says what it must be).
configure() {
	local src=$1 kmake=(make -C "$1" -s ARCH=x86_64 "CC=ccache gcc")
	say "$NAME: configuring (tinyconfig + ${FRAGMENTS[*]#"$TOP/"})"
	"${kmake[@]}" tinyconfig >/dev/null
	cat "${FRAGMENTS[@]}" >>"$src/.config"
	"${kmake[@]}" olddefconfig >/dev/null 2>&1 || "${kmake[@]}" olddefconfig
	# Every symbol defined by this tree's Kconfig files.
	local known
	known=$(find "$src" -name 'Kconfig*' -type f -print0 | xargs -0 grep -hoE '^[[:space:]]*(menu)?config[[:space:]]+[A-Za-z0-9_]+' |
		awk '{ print $2 }' | sort -u)
	local line sym want got bad=0
	while IFS= read -r line; do
		case $line in CONFIG_*=*) ;; *) continue ;; esac
		sym=${line%%=*}
		want=${line#*=}
		if ! grep -qx "${sym#CONFIG_}" <<<"$known"; then
			say "$NAME: $sym does not exist in this kernel; skipped"
			continue
		fi
		got=$(grep -E "^$sym=" "$src/.config" | cut -d= -f2- || true)
		[ -n "$got" ] || got=n
		if [ "$want" != "$got" ]; then
			printf 'uring-pi: %s: %s=%s requested, but the configuration has %s=%s (a dependency is missing?)\n' \
				"$NAME" "$sym" "$want" "$sym" "$got" >&2
			bad=1
		fi
	done < <(cat "${FRAGMENTS[@]}" | awk -F= '/^CONFIG_/ { if (!($1 in v)) o[n++] = $1; v[$1] = $0 } END { for (i = 0; i < n; i++) print v[o[i]] }')
	[ $bad = 0 ] || die "$NAME: configuration options were dropped by olddefconfig; see above"
}

# build_src SRC LOG: make bzImage in a configured tree, with ccache.
# ccache's depend mode: on a miss it compiles once and takes the include list from the compiler's
# own dependency file (kbuild's -Wp,-MMD); its default mode runs the preprocessor as well, which made
# a build with an empty cache 1.7x slower than plain gcc (646 s against 379 s for the patched kernel).
build_src() {
	local src=$1 log=$2 t0=$SECONDS
	export CCACHE_DIR=$CACHE/ccache CCACHE_BASEDIR=$BUILD CCACHE_NOHASHDIR=1 CCACHE_DEPEND=1
	export KBUILD_BUILD_USER=uring-pi KBUILD_BUILD_HOST=guest KBUILD_BUILD_TIMESTAMP="$NAME"
	mkdir -p "$CCACHE_DIR"
	say "$NAME: building bzImage with make -j$(nproc) (log: $log)"
	if ! make -C "$src" -j"$(nproc)" ARCH=x86_64 "CC=ccache gcc" bzImage >"$log" 2>&1; then
		tail -n 40 "$log" >&2
		die "$NAME: kernel build failed (log: $log)"
	fi
	say "$NAME: built in $((SECONDS - t0)) s"
}

# build_tree TARBALL [SERIES]: extract (and patch), configure, build bzImage.
build_tree() {
	local tarball=$1 with_series=${2:-} inputs src stamp want_stamp p
	inputs=("$tarball" "${FRAGMENTS[@]}")
	if [ -n "$with_series" ]; then
		inputs+=("$SERIES_DIR/series")
		while read -r p; do
			[ -f "$SERIES_DIR/$p" ] || die "series names $p, which is not in kernel-patches/linux-6.12/"
			inputs+=("$SERIES_DIR/$p")
		done < <(series_patches)
		inputs+=("${EXTRA_PATCHES[@]}")
	fi
	# What the tree is made from: tarball identity and, for patched, the patches' contents.
	want_stamp=$(stat -c '%n %s %Y' "$tarball")
	if [ -n "$with_series" ]; then
		# shellcheck disable=SC2046 # series_patches prints file names without spaces, one a line
		want_stamp+=" $(cd "$SERIES_DIR" && cat series $(series_patches) "${EXTRA_PATCHES[@]}" | sha256sum | cut -c1-16)"
	fi
	# Up to date: newer than every input and built from these contents (a patch copied
	# with an old time stamp is still a change); asked again once a build under way has ended.
	up_to_date() {
		newer_than "$OUT/bzImage" "${inputs[@]}" && [ "$(cat "$OUT/.built" 2>/dev/null)" = "$want_stamp $(fragments_sum)" ]
	}
	if up_to_date || { lock_builds && up_to_date; }; then
		say "$NAME: $OUT/bzImage is up to date"
		return 0
	fi
	mkdir -p "$OUT"
	src=$OUT/src
	stamp=$OUT/.source
	if [ -d "$src" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want_stamp" ]; then
		say "$NAME: reusing the source tree in $src"
	else
		rm -rf "$src" "$stamp"
		mkdir -p "$src"
		say "$NAME: extracting $(basename "$tarball")"
		tar -xf "$tarball" -C "$src" --strip-components=1
		if [ -n "$with_series" ]; then
			while read -r p; do
				say "$NAME: applying $p"
				patch -d "$src" -p1 -s --no-backup-if-mismatch -i "$SERIES_DIR/$p" ||
					die "$NAME: $p does not apply to $(basename "$tarball")"
			done < <(series_patches)
			for p in "${EXTRA_PATCHES[@]}"; do
				say "$NAME: applying ${p#"$TOP/"} (test only)"
				patch -d "$src" -p1 -s --no-backup-if-mismatch -i "$p" || die "$NAME: ${p#"$TOP/"} does not apply"
			done
		fi
		echo "$want_stamp" >"$stamp"
	fi
	configure "$src"
	build_src "$src" "$OUT/build.log"
	cp "$src/arch/x86/boot/bzImage" "$OUT/bzImage.tmp"
	cp "$src/.config" "$OUT/config"
	mv "$OUT/bzImage.tmp" "$OUT/bzImage"
	echo "$want_stamp $(fragments_sum)" >"$OUT/.built"
	say "$NAME: $OUT/bzImage is $(make -s -C "$src" kernelrelease)"
}

# ---- distro: Debian's prebuilt kernel ----
# The modules the tests need (their dependencies come from modules.dep).
DISTRO_MODULES="virtio_pci virtio_net 9pnet_virtio 9p nvme scsi_debug sd_mod t10-pi crc64-rocksoft crc-t10dif crc64 crct10dif_generic"

# distro_pick SUITE PACKAGE-REGEX: the newest package of SUITE in papt's lists whose name matches.
distro_pick() {
	local f
	for f in "$CACHE"/apt/lists/*_dists_"$1"_main_binary-amd64_Packages*; do
		[ -f "$f" ] && /usr/lib/apt/apt-helper cat-file "$f"
	done | grep -oE "^Package: $2\$" | cut -d' ' -f2 | sort -uV | tail -n 1
}

# build_distro SUITE PACKAGE-REGEX: Debian's newest generic kernel (not -cloud or -rt) of SUITE whose
# modules package matches: linux-modules-ABI (7.x) or linux-image-ABI (6.12: image and modules).
build_distro() {
	local pkgdir=$OUT/pkgs root=$OUT/root modpkg abi imgpkg
	mkdir -p "$OUT"
	up() { [ -f "$OUT/vmlinuz" ] && [ -f "$OUT/initrd" ] && newer_than "$OUT/initrd" "$TOP/vm/kernel.sh" "$TOP/vm/initramfs-init.sh" && [ -z "${URING_PI_REFRESH:-}" ]; }
	if up || { lock_builds && up; }; then
		say "$NAME: $OUT/vmlinuz + initrd are up to date (URING_PI_REFRESH=1 to look for a newer kernel)"
		return 0
	fi
	papt update
	modpkg=${URING_PI_DISTRO_MODULES:-$(distro_pick "$1" "$2")}
	[ -n "$modpkg" ] || die "$NAME: no package like $2 in Debian's $1 (papt update?)"
	abi=${modpkg#linux-modules-}
	abi=${abi#linux-image-}
	say "$NAME: using Debian's kernel $abi"
	rm -rf "$pkgdir" "$root"
	mkdir -p "$pkgdir" "$root"
	# The kernel image is in linux-binary-ABI (7.x) or linux-image-ABI (older, image + modules together).
	(cd "$pkgdir" && papt -q download "$modpkg" >/dev/null 2>&1) || die "$NAME: cannot download $modpkg"
	imgpkg=$modpkg
	[ "$modpkg" = "linux-image-$abi" ] || imgpkg=linux-binary-$abi
	[ "$imgpkg" = "$modpkg" ] || (cd "$pkgdir" && papt -q download "$imgpkg" >/dev/null 2>&1) ||
		die "$NAME: cannot download $imgpkg"

	# apt-get download checks each .deb against the signed lists (hash mismatch = failure);
	# check once more that we have what the lists describe.
	local deb
	for deb in "$pkgdir"/*.deb; do
		dpkg-deb -I "$deb" >/dev/null || die "$NAME: $deb is not a valid package"
		say "$NAME: $(basename "$deb") sha256 $(sha256sum "$deb" | cut -c1-16)..."
		dpkg-deb -x "$deb" "$root"
	done
	local vmlinuz moddir rel
	# 7.x packages: usr/lib/modules/REL/vmlinuz; older: boot/vmlinuz-REL + lib/modules/REL
	[ -e "$root/lib" ] || ln -s usr/lib "$root/lib"
	moddir=$(ls -d "$root"/lib/modules/* 2>/dev/null | head -n 1 || true)
	[ -n "$moddir" ] || die "$NAME: no modules directory in $modpkg"
	rel=$(basename "$moddir")
	vmlinuz=$(ls "$moddir/vmlinuz" "$root/boot/vmlinuz-$rel" 2>/dev/null | head -n 1 || true)
	[ -n "$vmlinuz" ] || die "$NAME: no vmlinuz in $imgpkg"
	depmod -b "$root" "$rel" 2>/dev/null || die "$NAME: depmod failed for $rel"
	[ -s "$moddir/modules.dep" ] || die "$NAME: depmod wrote no modules.dep"
	make_initramfs "$moddir"
	cp "$vmlinuz" "$OUT/vmlinuz"
	echo "$abi" >"$OUT/release"
	say "$NAME: $OUT/vmlinuz + $OUT/initrd ready ($abi)"
}

# make_initramfs MODDIR: busybox, the needed modules with their dependencies, and an init
# that loads them, mounts the host root over 9p and hands over to vm/guest-init.sh.
make_initramfs() {
	local moddir=$1 rel ird=$OUT/initramfs m f list dep
	rel=$(basename "$moddir")
	rm -rf "$ird"
	mkdir -p "$ird"/{bin,dev,proc,sys,host,tmp,lib/modules}
	cp /bin/busybox "$ird/bin/busybox"
	# module name -> path (modules.dep uses paths relative to moddir; names use - or _ interchangeably)
	list=$(mktemp)
	for m in $DISTRO_MODULES; do
		local pat=${m//[-_]/[-_]}
		f=$(grep -oE "^([^:]*/)?$pat\.ko(\.[a-z]+)?:" "$moddir/modules.dep" | head -n 1 | tr -d : || true)
		if [ -z "$f" ]; then
			say "$NAME: $m is not a module of this kernel (built in, or gone); skipped"
			continue
		fi
		# dependencies first (modules.dep lists them after the colon, deepest last)
		dep=$(grep -E "^$f:" "$moddir/modules.dep" | cut -d: -f2 || true)
		for d in $(echo "$dep" | tr ' ' '\n' | tac) "$f"; do
			grep -qxF "$d" "$list" || echo "$d" >>"$list"
		done
	done
	local order=$ird/lib/modules/order
	: >"$order"
	while read -r f; do
		local base=${f##*/} out
		case $base in
		*.ko.xz) out=${base%.xz}; xz -dc "$moddir/$f" >"$ird/lib/modules/$out" ;;
		*.ko.zst) out=${base%.zst}; zstd -qdc "$moddir/$f" >"$ird/lib/modules/$out" ;;
		*.ko.gz) out=${base%.gz}; gzip -dc "$moddir/$f" >"$ird/lib/modules/$out" ;;
		*) out=$base; cp "$moddir/$f" "$ird/lib/modules/$out" ;;
		esac
		echo "$out" >>"$order"
	done <"$list"
	rm -f "$list"
	cp "$TOP/vm/initramfs-init.sh" "$ird/init"
	chmod +x "$ird/init"
	(cd "$ird" && find . -print0 | sort -z | cpio -o -H newc -0 --quiet --reproducible | gzip -1) >"$OUT/initrd.tmp"
	mv "$OUT/initrd.tmp" "$OUT/initrd"
	say "$NAME: initramfs with $(wc -l <"$order") modules: $(tr '\n' ' ' <"$order")"
}

kernel_source() { if is_kernel_name "$NAME"; then kernel_field "$NAME" source; else echo "$NAME"; fi; }
case $(kernel_source) in
6.12)
	if [ "$(kernel_field "$NAME" series)" = yes ]; then
		[ -f "$SERIES_DIR/series" ] || { say "$NAME: no kernel-patches/linux-6.12/series yet; nothing to build"; exit 1; }
		build_tree "$STOCK_TARBALL" series
	else
		build_tree "$STOCK_TARBALL"
	fi
	;;
6.18) build_tree "$(fetch "$MAINLINE_TARBALL" "$MAINLINE_SHA256")" ;;
distro) build_distro trixie-backports 'linux-modules-[0-9][^ -]*-amd64' ;;
distro-6.12) build_distro trixie 'linux-image-6\.12\.[^ -]*-amd64' ;;
tree)
	# vm/kernel.sh tree SRCDIR: configure (unless done) and build a tree in place (patches-check).
	src=$(cd "${2:?}" && pwd)
	lock_builds
	[ -f "$src/.config" ] || configure "$src"
	make -C "$src" -s ARCH=x86_64 "CC=ccache gcc" olddefconfig >/dev/null
	build_src "$src" "$src/build.log"
	;;
*) usage ;;
esac
