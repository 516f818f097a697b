#!/bin/sh
# SPDX-License-Identifier: Unlicense
. "$(dirname "$0")/lib.sh"
# What a packager or a user of another make gets: the version (-V, the
# man pages), make dist's tarball, the Makefile under bmake as under GNU
# make, and the dist/ files for inetd and xinetd under the real daemons.
# (The systemd units run under real systemd in tests/systemd.sh, and the
# tarball's make test and the image in make check: each takes long.)

version=$(sed -n 's/^VERSION = //p' "$top/Makefile")

t 'server -V and client -V print the name as run and the Makefile'"'"'s version' '
	echo "VERSION = $version" &&
	"$bin/server" -V >v.out 2>v.err && [ ! -s v.err ] &&
	[ "$(cat v.out)" = "server $version" ] &&
	"$bin/client" -V >v.out 2>v.err && [ ! -s v.err ] &&
	[ "$(cat v.out)" = "client $version" ]
'

# make dist in the sources (it needs tar and gzip); the tarball is moved
# here, out of the way, and unpacked.  make -s dist prints only the
# tarball's name.
dist=onebyte-$version.tar.gz
rel=$tmp/rel/onebyte-$version
setup tar,gzip 'make dist, the tarball unpacked' '
	make -s -C "$top" dist >"$tmp/dist.out" 2>&1 &&
	mv "$top/$dist" "$tmp/$dist" && mkdir "$tmp/rel" &&
	(cd "$tmp/rel" && gzip -dc "../$dist" | tar -xf -)
'

t tar,gzip 'make dist: onebyte-VERSION.tar.gz, one folder of that name' '
	cat dist.out && [ "$(cat dist.out)" = "$dist" ] &&
	[ "$(ls rel)" = "onebyte-$version" ] && [ -f "$rel/Makefile" ]
'

# In a git checkout the tarball must hold every file git tracks but
# the repository's own (.gitignore, .ci).
prereq_GIT_CHECKOUT() {
	[ -e "$top/.git" ]
}
t tar,gzip,git,GIT_CHECKOUT 'make dist packs every tracked file but .gitignore and .ci, and no other' '
	git -C "$top" ls-files | grep -v -e "^\.gitignore\$" -e "^\.ci/" |
	    sort >want &&
	(cd "$rel" && find . -type f | sed "s|^\./||" | sort) >got &&
	diff -u want got
'

t tar,gzip 'the unpacked tarball builds, and its man pages carry the version' '
	make -s -C "$rel" >make.out 2>&1
	st=$?
	cat make.out
	[ $st -eq 0 ] && [ ! -s make.out ] &&
	grep -x ".Os onebyte $version" "$rel/man/onebyted.8" &&
	grep -x ".Os onebyte $version" "$rel/man/onebyte.1"
'

# installed DIR: mode, checksum and path of each file under DIR, sorted.
installed() {
	(cd "$1" && find . -type f | sort | while read -r f; do
		echo "$(ls -l "$f" | cut -c1-10) $(cksum <"$f") $f"
	done)
}

t tar,gzip 'make install puts the version in the man pages and SBINDIR in the units and the xinetd file' '
	make -s -C "$rel" install install-xinetd DESTDIR="$tmp/gnu" \
	    PREFIX=/opt/ob SBINDIR=/opt/ob/libexec &&
	u=$tmp/gnu/opt/ob/lib/systemd/system &&
	grep -x "ExecStart=/opt/ob/libexec/onebyted -c 64" $u/onebyted.service &&
	grep -x "ExecStart=/opt/ob/libexec/onebyted -i" \
	    $u/onebyted-inetd@.service &&
	grep -x "	server      = /opt/ob/libexec/onebyted" \
	    "$tmp/gnu/etc/xinetd.d/onebyte" &&
	! grep -r "/usr/local/sbin" "$tmp/gnu/opt/ob/lib" "$tmp/gnu/etc" &&
	grep -x ".Os onebyte $version" $tmp/gnu/opt/ob/share/man/man8/onebyted.8 &&
	grep -x ".Os onebyte $version" $tmp/gnu/opt/ob/share/man/man1/onebyte.1 &&
	make -s -C "$rel" uninstall DESTDIR="$tmp/gnu" \
	    PREFIX=/opt/ob SBINDIR=/opt/ob/libexec &&
	installed "$tmp/gnu" >left && diff -u /dev/null left
'

t tar,gzip,mandoc 'the packed man pages, with their version, pass mandoc -Tlint' '
	mandoc -Tlint -Wwarning "$rel/man/onebyted.8" "$rel/man/onebyte.1" \
	    >lint.out 2>&1
	st=$?
	cat lint.out
	[ $st -eq 0 ] && [ ! -s lint.out ]
'

# bmake, in a copy of the unpacked tarball: make, make static (where
# musl-gcc is), make install and uninstall, make clean, as GNU make does.
# Not with GNU make's MAKEFLAGS, when make test runs this (bmake reads
# them too: -s would hide the commands looked for below).
setup bmake,tar,gzip 'a copy of the tarball for bmake' '
	cp -R "$rel" "$tmp/bsd"
'
bsd_make() {
	(unset MAKEFLAGS MFLAGS MAKELEVEL && exec bmake "$@")
}
t bmake,tar,gzip 'bmake: builds both programs, and again only when the flags change' '
	cd "$tmp/bsd" && bsd_make clean >/dev/null &&
	bsd_make >out 2>&1 && [ -x server ] && [ -x client ] &&
	! grep -i -e warning -e error out &&
	bsd_make >out 2>&1 && ! grep -e "-o server" -e "-o client" out &&
	bsd_make CFLAGS=-O1 >out 2>&1 && grep -e "-O1 -o server" out &&
	grep -e "-O1 -o client" out
'
t bmake,tar,gzip,musl-gcc,readelf 'bmake static: both programs static (no interpreter), then bmake makes them dynamic again' '
	cd "$tmp/bsd" && bsd_make static >out 2>&1
	st=$?
	cat out
	[ $st -eq 0 ] &&
	readelf -l server >elf && ! grep INTERP elf &&
	readelf -l client >elf && ! grep INTERP elf &&
	bsd_make >out 2>&1 && readelf -l server | grep INTERP
'
t bmake,tar,gzip 'bmake install and uninstall: the same files as GNU make installs, then none' '
	cd "$tmp/bsd" && bsd_make clean >/dev/null &&
	make -s -C "$tmp/bsd" >/dev/null 2>&1 &&
	make -s install install-xinetd DESTDIR="$tmp/i-gnu" >/dev/null &&
	bsd_make install install-xinetd DESTDIR="$tmp/i-bsd" >out 2>&1 &&
	installed "$tmp/i-gnu" >gnu.list && installed "$tmp/i-bsd" >bsd.list &&
	diff -u gnu.list bsd.list && [ "$(wc -l <bsd.list)" -eq 9 ] &&
	bsd_make uninstall DESTDIR="$tmp/i-bsd" >out 2>&1 &&
	installed "$tmp/i-bsd" >left && diff -u /dev/null left
'
t bmake,tar,gzip 'bmake test runs the suite (t1 only here)' '
	cd "$tmp/bsd" && bsd_make test TESTS=tests/t1-exchange.sh >out 2>&1
	st=$?
	grep -v "^ok" out
	[ $st -eq 0 ] && tail -n 1 out | grep "^[1-9][0-9]* passed, 0 failed"
'

# The staged install, for the daemons below.
make -s -C "$top" install install-xinetd DESTDIR="$tmp/stage" \
    >"$tmp/stage.out" 2>&1

# serve_check DAEMON [ARGS]: start DAEMON in a network namespace of its
# own (loopback up: port 29008 is free there, and nothing outside reaches
# it) and a mount namespace where the staged install is /usr/local, so
# that the files run as installed; then onebyte checks 127.0.0.1 and ::1
# port 29008, waiting while the daemon starts.  Its output in daemon.log;
# at most 60 s.
serve_check() {
	STAGE=$tmp/stage/usr/local LOG=$tmp/daemon.log timeout 60 \
	    unshare --mount --net sh -c '
	ip link set lo up && mount --bind "$STAGE" /usr/local || exit 1
	"$@" >"$LOG" 2>&1 &
	d=$!
	trap "kill $d" EXIT
	/usr/local/bin/onebyte -w 10 127.0.0.1 29008 &&
	/usr/local/bin/onebyte ::1 29008' sh "$@"
}

# The line onebyted(8) gives for /etc/inetd.conf.
inetd_line='29008 stream tcp nowait.6000 nobody /usr/local/sbin/onebyted onebyted -i'

t ROOT,NETNS,ip,inetd 'inetd (openbsd-inetd) with the inetd.conf line: IPv4 and IPv6 served' '
	cat stage.out && echo "$inetd_line" >inetd.conf &&
	serve_check inetd -d "$tmp/inetd.conf" >out 2>&1
	st=$?
	cat out daemon.log
	[ $st -eq 0 ] && [ "$(grep -c "^Reply from server: .s.$" out)" -eq 2 ]
'

t ROOT,NETNS,ip,xinetd 'xinetd with dist/onebyte.xinetd as installed: IPv4 and IPv6 served' '
	cat stage.out &&
	serve_check xinetd -dontfork -pidfile "$tmp/xinetd.pid" \
	    -f "$tmp/stage/etc/xinetd.d/onebyte" >out 2>&1
	st=$?
	cat out daemon.log
	[ $st -eq 0 ] && [ "$(grep -c "^Reply from server: .s.$" out)" -eq 2 ]
'

test_done
