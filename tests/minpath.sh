# minpath.sh: make test with only what a fresh Debian machine has: a C
# compiler (gcc and its binutils), make, and the base utilities.  POSIX sh.
# SPDX-License-Identifier: Unlicense
# Usage: sh tests/minpath.sh
# It builds a directory of symlinks to coreutils, util-linux, mount, grep,
# sed, awk (mawk), findutils, diffutils, dash as sh, getent (libc-bin), and
# cc, gcc, as, ld and make, and runs `make test` with that directory as
# the whole PATH: nc, ncat, busybox, socat, tcpserver, systemd's tools,
# python3, ip, ss and strace are not there, so their tests are skipped.
# Needs dpkg (Debian) to list the packages' programs.
top=$(cd "$(dirname "$0")/.." && pwd) || exit 1
cd "$top" || exit 1

dir=$(mktemp -d "${TMPDIR:-/tmp}/minpath.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
trap 'exit 1' INT TERM

# link NAME PATH: NAME in the directory, pointing at PATH.
link() {
	[ -e "$dir/$1" ] || ln -s "$2" "$dir/$1"
}

for pkg in coreutils util-linux mount grep sed findutils diffutils; do
	dpkg -L "$pkg" >"$dir/.list" || {
		echo "minpath: dpkg cannot list $pkg: is this Debian?" >&2
		exit 1
	}
	grep '/s\{0,1\}bin/[^/]*$' "$dir/.list" | while read -r f; do
		[ -x "$f" ] && [ ! -d "$f" ] && link "${f##*/}" "$f"
	done
done
rm -f "$dir/.list"
for tool in sh:dash awk:mawk getent cc gcc as ld make; do
	name=${tool%%:*}
	target=$(command -v "${tool#*:}") || {
		echo "minpath: ${tool#*:} is not installed" >&2
		exit 1
	}
	link "$name" "$target"
done
# The tools whose tests must skip: none of them may have slipped in.
for tool in nc ncat busybox socat tcpserver systemd-socket-activate \
    python3 ip ss strace; do
	if [ -e "$dir/$tool" ]; then
		echo "minpath: $tool in the minimal PATH" >&2
		exit 1
	fi
done

echo "# minpath: PATH=$dir, $(ls "$dir" | wc -l) programs"
PATH=$dir make test
