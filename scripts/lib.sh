# shellcheck shell=bash
# Common helpers of the project's shell scripts (sourced, not run).
# TOP: the repository; BUILD: build outputs (in the tree, git-ignored);
# CACHE: downloads and ccache, outside the tree, safe to delete at any time.
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
CACHE=${URING_PI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/uring-pi}

say() { printf '[uring-pi] %s\n' "$*" >&2; }
# dev_var NAME: the variable that holds device NAME's block device in a guest (vm/vm.sh
# exports it), e.g. URING_PI_DEV_NVME_512_8_T1 for nvme-512-8-t1.
dev_var() { echo "URING_PI_DEV_$(echo "$1" | tr 'a-z-' 'A-Z_')"; }
die() { printf 'uring-pi: %s\n' "$*" >&2; exit 1; }

# table_field FILE "FIELDS" NAME FIELD...: of the table FILE (lines of whitespace-separated FIELDS, '#'
# comments; the last field, note, is the rest of the line), the FIELDs of the line named NAME, space-
# separated ("" for a note of -); fails for an unknown name or field.
table_field() {
	local file=$1 fields=$2 name=$3
	shift 3
	awk -v fields="$fields" -v name="$name" -v want="$*" '
		BEGIN {
			n = split(fields, f, " "); for (i = 1; i <= n; i++) col[f[i]] = i
			nw = split(want, w, " "); for (i = 1; i <= nw; i++) if (!(w[i] in col)) { bad = 1; exit 2 }
		}
		!/^#/ && $1 == name {
			out = ""
			for (i = 1; i <= nw; i++) {
				if (w[i] == "note") {
					for (j = 1; j < col["note"]; j++) sub(/^[^ ]+ +/, "")
					v = ($0 == "-" ? "" : $0)
				} else v = $col[w[i]]
				out = out (i > 1 ? " " : "") v
			}
			print out; found = 1; exit
		}
		END { if (!bad) exit !found }' "$file"
}

# The kernels vm/kernel.sh makes by name: the table vm/kernels (its header says what the fields mean).
KERNELS_FILE=$TOP/vm/kernels
KERNEL_NAMES=$(awk '!/^#/ && NF { printf "%s%s", sep, $1; sep = " " }' "$KERNELS_FILE")
is_kernel_name() { case " $KERNEL_NAMES " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
KERNEL_FIELDS="name source series patches config note"
# kernel_field NAME FIELD...: fields of kernel NAME (table_field).
kernel_field() { table_field "$KERNELS_FILE" "$KERNEL_FIELDS" "$@"; }
# The kernel series: SERIES/series names its patches, in order (quilt-style: one name per line,
# '#' comments); series_files DIR prints them, one a line.
# shellcheck disable=SC2034 # used by the scripts that source this
SERIES=$TOP/kernel-patches/linux-6.12
series_files() { sed -e 's/#.*//' -e 's/[[:space:]]*$//' "$1/series" | awk 'NF { print $1 }'; }
# kernel_image NAME: the image of kernel NAME; a prebuilt (source distro...) one's initrd is beside it.
kernel_image() {
	case $(kernel_field "$1" source 2>/dev/null) in
	distro*) echo "$BUILD/kernels/$1/vmlinuz" ;;
	*) echo "$BUILD/kernels/$1/bzImage" ;;
	esac
}

# The kernels that stand for stock (6.12 without the series) and mainline (the attribute ABI) in the
# tests: make check boots Debian's prebuilt 6.12 and 7.x, no build; FULL=1 (make check-full) the
# kernels themselves.
# shellcheck disable=SC2034 # used by the scripts that source this
if [ "${FULL:-}" = 1 ]; then STOCK=stock MAINLINE=mainline; else STOCK=debian-6.12 MAINLINE=distro; fi

# The emulated devices: the table vm/devices, one line each (its header says what the fields mean).
DEVICES_FILE=$TOP/vm/devices
DEVICE_FIELDS="name kind lbs ms pi pil pif guard format tag interval note"
# device_names [FIELD=VALUE|FIELD!=VALUE]...: the devices that match every condition, in the table's
# order, one per line (e.g. device_names kind=nvme format!=none: the NVMe devices with PI).
device_names() {
	awk -v fields="$DEVICE_FIELDS" -v conds="$*" '
		BEGIN { n = split(fields, f, " "); for (i = 1; i <= n; i++) col[f[i]] = i; nc = split(conds, c, " ") }
		/^#/ || NF == 0 { next }
		{
			for (i = 1; i <= nc; i++) {
				neg = index(c[i], "!=") > 0
				split(c[i], kv, neg ? "!=" : "=")
				if (!(kv[1] in col)) { print "device_names: no field " kv[1] > "/dev/stderr"; exit 2 }
				if (($col[kv[1]] == kv[2]) == neg) next
			}
			print $1
		}' "$DEVICES_FILE"
}
# device_field NAME FIELD...: fields of device NAME (table_field).
device_field() { table_field "$DEVICES_FILE" "$DEVICE_FIELDS" "$@"; }
# device_boots NAME...: the guests that test NAMEs, one line each, its devices comma-separated: every
# NVMe device and the first scsi_debug disk in one, each other scsi_debug disk in one more (scsi_debug's
# DIF settings are global to a guest).
device_boots() {
	local d first='' rest=() scsi=0
	for d in "$@"; do
		if [ "$(device_field "$d" kind)" = scsi ] && [ $((scsi++)) -gt 0 ]; then rest+=("$d"); else first+=${first:+,}$d; fi
	done
	[ -z "$first" ] || echo "$first"
	[ ${#rest[@]} = 0 ] || printf '%s\n' "${rest[@]}"
}

# The Debian mirror this machine's apt already uses (no host is named in the tree).
debian_mirror() {
	local m
	m=$(grep -hs -E '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list /etc/apt/sources.list 2>/dev/null |
		grep -o -E 'https?://[^ ]*/debian/?' | grep -v -- '-security' | head -n 1)
	[ -n "$m" ] || die "no Debian mirror in /etc/apt sources; set DEBIAN_MIRROR=URL"
	echo "${DEBIAN_MIRROR:-${m%/}}"
}

# fetch POOL_PATH SHA256: download a file from Debian's pool once, verify it, print its local path.
fetch() {
	local path=$1 sum=$2 f
	f=$CACHE/dl/$(basename "$path")
	mkdir -p "$CACHE/dl"
	if ! [ -f "$f" ] || ! echo "$sum  $f" | sha256sum -c --status; then
		say "downloading $(basename "$path")"
		curl -fsSL --retry 3 -o "$f.part" "$(debian_mirror)/pool/main/$path" ||
			die "cannot download $path from the Debian archive (network?)"
		echo "$sum  $f.part" | sha256sum -c --status ||
			die "$(basename "$path"): sha256 mismatch (expected $sum); remove $f.part and retry"
		mv "$f.part" "$f"
	fi
	echo "$f"
}

# papt ARGS: apt-get with the project's own sources (scripts/apt/uring-pi.sources: trixie,
# trixie-backports, sid, with deb-src) in a private state directory; the system's apt
# configuration is not touched.
papt() {
	local d=$CACHE/apt src
	mkdir -p "$d/lists/partial" "$d/archives/partial"
	src=$d/uring-pi.sources
	sed "s|@MIRROR@|$(debian_mirror)|" "$TOP/scripts/apt/uring-pi.sources" >"$src"
	local o=(-o Dir::Etc::SourceList="$src" -o Dir::Etc::SourceParts=/dev/null
		-o Dir::State::Lists="$d/lists" -o Dir::Cache::Archives="$d/archives"
		-o Dir::State::Status=/var/lib/dpkg/status -o APT::Get::List-Cleanup=0
		-o APT::Sandbox::User=root)
	if [ "$1" = update ] || ! ls "$d"/lists/*Packages* >/dev/null 2>&1; then
		apt-get "${o[@]}" -q update >&2 || die "apt-get update with scripts/apt/uring-pi.sources failed"
		[ "$1" = update ] && return 0
	fi
	apt-get "${o[@]}" "$@"
}
