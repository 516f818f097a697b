# check.sh: the checks beside the tests, each its own pass or fail.  POSIX sh.
# SPDX-License-Identifier: Unlicense
# Run by `make check` after `make test`.  Needs clang, valgrind, musl-gcc,
# cppcheck and clang-tidy (.ci/run installs them); the man pages' check
# needs mandoc, the empty root's root, the image podman (or docker), and
# the real-systemd test root, systemd-nspawn and nsenter: without them
# those are skipped, saying why.
top=$(cd "$(dirname "$0")/.." && pwd) || exit 1
cd "$top" || exit 1
# start, stop, and the cleanup of every process started: the suite's.
. tests/lib.sh

# The Makefile's, with -Werror; the version as the Makefile passes it
# (the quotes stay in the word: the compiler gets -DVERSION="1.0.0").
STD="-std=c99 -pedantic -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L"
# shellcheck disable=SC2089
STD="$STD -DVERSION=\"$(sed -n 's/^VERSION = //p' Makefile)\""
SRCS="server.c client.c tests/load.c tests/fake.c"
build=$top/build

# check WHAT COMMAND...: one check; its output is shown when it fails.
check() {
	what=$1
	shift
	n=$((n + 1))
	if "$@" >"$build/check.log" 2>&1; then
		passed=$((passed + 1))
		echo "ok $n - $what"
	else
		failed=$((failed + 1))
		echo "not ok $n - $what"
		sed 's/^/#   /' "$build/check.log" | tail -n 60
	fi
}

# check_if PREREQS WHAT COMMAND...: check, or skip it when one of the
# comma-separated PREREQS (as the suite's t takes them) is missing.
check_if() {
	lacking=$(lacking "$1")
	shift
	if [ -n "$lacking" ]; then
		skip "$1" "missing $lacking"
	else
		check "$@"
	fi
}

# compile CC DIR [FLAGS]: build the four programs into DIR.
compile() {
	cc=$1
	dir=$2
	shift 2
	mkdir -p "$dir/tests" || return 1
	for src in $SRCS; do
		# shellcheck disable=SC2086,SC2090
		$cc $STD "$@" -o "$dir/${src%.c}" "$src" -pthread || return 1
	done
}

asan() {
	rm -rf "$build/asan" &&
	compile clang "$build/asan" -O1 -g -fno-omit-frame-pointer \
	    -fsanitize=address,undefined -fno-sanitize-recover=all &&
	# The sanitizers split their options at spaces: their reports go to
	# a folder of /tmp's, whatever the checkout's path.
	reports=$(mktemp -d /tmp/onebyte-asan.XXXXXX) &&
	ASAN_OPTIONS="log_path=$reports/asan:detect_leaks=1" \
	UBSAN_OPTIONS="log_path=$reports/ubsan:print_stacktrace=1" \
	    BIN=$build/asan sh tests/run.sh >"$build/asan/suite.out" 2>&1
	st=$?
	grep -v '^ok' "$build/asan/suite.out"
	if [ -n "$(ls "$reports")" ]; then
		cat "$reports"/*
		st=1
	fi
	rm -rf "$reports"
	[ $st -eq 0 ]
}

# The server under valgrind through a short load and SIGTERM; the client
# against it.  valgrind exits 99 on any error or definite leak.
memcheck() {
	vg="valgrind -q --error-exitcode=99 --leak-check=full"
	vg="$vg --errors-for-leak-kinds=definite --show-leak-kinds=definite"
	# shellcheck disable=SC2086
	start vg $vg "$top/server" -t 2 0 || return 1
	ok=0
	"$top/tests/load" -c 4 -n 300 -T 60 127.0.0.1 "$port" &&
	"$top/tests/load" -m extra -c 2 -n 50 -T 60 127.0.0.1 "$port" &&
	"$top/tests/load" -m reset-after-send -c 2 -n 50 -T 60 127.0.0.1 "$port" &&
	$vg "$top/client" 127.0.0.1 "$port" &&
	$vg "$top/client" -c '\xff' localhost "$port" || ok=1
	stop $pid
	st=$?
	cat "$tmp/vg.err"
	echo "server under valgrind exited $st"
	$vg "$top/client" 127.0.0.1 "$port"	# refused: an error path
	[ $? -eq 1 ] || ok=1
	[ $ok -eq 0 ] && [ $st -eq 0 ]
}

builds() {
	for cc in gcc clang musl-gcc; do
		echo "$cc:"
		compile $cc "$build/$cc" -O2 || return 1
	done
}

cppcheck_all() {
	# shellcheck disable=SC2086
	cppcheck --enable=warning,performance,portability --error-exitcode=1 \
	    --std=c99 -D_POSIX_C_SOURCE=200809L --inline-suppr \
	    --suppress=missingIncludeSystem --quiet $SRCS
}

# The checks: bugprone, cert and clang-analyzer, less four that only
# speak of style here (see README, Testing).
TIDY='-*,bugprone-*,cert-*,clang-analyzer-*,-bugprone-easily-swappable-parameters,-cert-err33-c,-bugprone-reserved-identifier,-cert-dcl37-c,-cert-dcl51-cpp'
tidy() {
	# shellcheck disable=SC2086
	clang-tidy --quiet --warnings-as-errors='*' --checks="$TIDY" $SRCS -- \
	    -std=c99 -D_POSIX_C_SOURCE=200809L
}

# make install DESTDIR=D puts exactly the eight files where they belong,
# with their modes; PREFIX and SBINDIR move them; make uninstall leaves no
# file behind.
install_uninstall() {
	d=$build/destdir
	rm -rf "$d" && mkdir -p "$d" || return 1
	for p in /opt/ob /usr/local; do
		s=$p/sbin
		[ $p = /usr/local ] || s=$p/libexec
		cat <<-EOF
		-rwxr-xr-x .$p/bin/onebyte
		-rw-r--r-- .$p/lib/systemd/system/onebyted-inetd.socket
		-rw-r--r-- .$p/lib/systemd/system/onebyted-inetd@.service
		-rw-r--r-- .$p/lib/systemd/system/onebyted.service
		-rw-r--r-- .$p/lib/systemd/system/onebyted.socket
		-rwxr-xr-x .$s/onebyted
		-rw-r--r-- .$p/share/man/man1/onebyte.1
		-rw-r--r-- .$p/share/man/man8/onebyted.8
		EOF
	done | LC_ALL=C sort >"$build/install.want"
	make -s install DESTDIR="$d" &&
	make -s install DESTDIR="$d" PREFIX=/opt/ob SBINDIR=/opt/ob/libexec &&
	installed "$d" | LC_ALL=C sort >"$build/install.got" &&
	diff -u "$build/install.want" "$build/install.got" &&
	make -s uninstall DESTDIR="$d" &&
	make -s uninstall DESTDIR="$d" PREFIX=/opt/ob SBINDIR=/opt/ob/libexec &&
	installed "$d" >"$build/uninstall.got" &&
	diff -u /dev/null "$build/uninstall.got"
}

# installed DIR: mode and path of each file under DIR, sorted.
installed() {
	(cd "$1" && find . -type f | sort | while read -r f; do
		echo "$(ls -l "$f" | cut -c1-10) $f"
	done)
}

# make static in a copy of the sources (./server and ./client stay as they
# are), into $build/static.
make_static() {
	rm -rf "$build/static" && mkdir -p "$build/static" &&
	cp Makefile server.c client.c "$build/static" &&
	make -s -C "$build/static" static
}

# The suite against the static pair (musl): the tests judge the project's
# words, not the C library's, and musl words some errors its own way.
musl_suite() {
	make_static && mkdir -p "$build/static/tests" &&
	cp tests/load tests/fake "$build/static/tests/" || return 1
	BIN=$build/static sh tests/run.sh >"$build/static/suite.out" 2>&1
	st=$?
	grep -v '^ok' "$build/static/suite.out"
	[ $st -eq 0 ]
}

# The static pair in an empty root, a directory holding the two programs
# and nothing else (no /dev, no /etc, no libc): the server on 127.0.0.1,
# its output in a file outside; the client checks it; SIGTERM ends it.
empty_root() {
	root=$build/empty-root
	make_static || return 1
	rm -rf "$root" && mkdir -p "$root" &&
	cp "$build/static/server" "$build/static/client" "$root" || return 1
	echo "the root holds: $(cd "$root" && find . | sort | tr '\n' ' ')"
	start chroot chroot "$root" /server -b 127.0.0.1 0 || return 1
	chroot "$root" /client 127.0.0.1 "$port" >"$build/chroot.out" 2>&1
	st=$?
	cat "$build/chroot.out"
	wait_line "$tmp/chroot.out" "^127.0.0.1 port [0-9]*: 'r' -> 's'$" &&
	stop $pid && [ $st -eq 0 ]
}

# The release tarball, unpacked in a folder of its own, passes make test
# as it is, under GNU make and under bmake where bmake is installed.
release() {
	rm -rf "$build/release" && mkdir -p "$build/release" &&
	make -s dist >/dev/null &&
	v=$(sed -n 's/^VERSION = //p' Makefile) &&
	mv "onebyte-$v.tar.gz" "$build/release/" &&
	(cd "$build/release" && gzip -dc "onebyte-$v.tar.gz" | tar -xf -) &&
	rel=$build/release/onebyte-$v || return 1
	cp -R "$rel" "$rel-bmake" || return 1
	echo "make test in the unpacked onebyte-$v.tar.gz:"
	make -s -C "$rel" test >"$build/release/make.out" 2>&1
	st=$?
	grep -v '^ok' "$build/release/make.out"
	[ $st -eq 0 ] || return 1
	have bmake || { echo "no bmake: its run skipped"; return 0; }
	echo "bmake test in another copy:"
	# Not with GNU make's MAKEFLAGS, which bmake would read.
	(cd "$rel-bmake" && unset MAKEFLAGS MFLAGS MAKELEVEL && bmake test) \
	    >"$build/release/bmake.out" 2>&1
	st=$?
	grep -v '^ok' "$build/release/bmake.out"
	[ $st -eq 0 ]
}

# engine: podman (its own storage in $store, the vfs driver, which needs
# no mount rights), or docker where its daemon answers.  The words are
# split at spaces, so $store is a folder of /tmp's (image makes it).
engine() {
	if have podman; then
		echo podman --storage-driver vfs --root "$store/storage" \
		    --runroot "$store/run"
	elif have docker && docker info >/dev/null 2>&1; then
		echo docker
	fi
}

# The scratch image from dist/Containerfile and the static pair (not
# run: containers may not run on this machine, and the pair already runs
# in an empty root above): it holds the two programs and nothing else,
# as nobody, port 29008, the client as its HEALTHCHECK.
image() {
	store=$(mktemp -d /tmp/onebyte-podman.XXXXXX) || return 1
	e=$(engine)
	[ -n "$e" ] || { echo "neither podman nor docker (with its daemon)"; return 1; }
	[ -x "$build/static/server" ] || make_static || return 1
	rm -rf "$build/image" && mkdir -p "$build/image" || return 1
	image_checks
	st=$?
	# shellcheck disable=SC2086
	$e rmi onebyte-check >/dev/null 2>&1
	rm -rf "$build/image" "$store"
	return $st
}

image_checks() {
	# podman's default, the OCI format, has no place for HEALTHCHECK;
	# docker build has no --format.
	fmt=
	case $e in podman*) fmt="--format docker" ;; esac
	# shellcheck disable=SC2086
	$e build $fmt -q -t onebyte-check -f dist/Containerfile \
	    "$build/static" || return 1
	# shellcheck disable=SC2086
	$e image inspect --format '{{json .Config.User}} {{json .Config.ExposedPorts}} {{json .Config.Entrypoint}} {{json .Config.Healthcheck.Test}}' \
	    onebyte-check >"$build/image/config" || return 1
	cat "$build/image/config"
	echo '"65534:65534" {"29008/tcp":{}} ["/onebyted","-c","64"] ["CMD","/onebyte","-q","-t","2","127.0.0.1","29008"]' |
	    diff -u - "$build/image/config" || return 1
	# Its files: a container made (not started) and exported.
	# shellcheck disable=SC2086
	c=$($e create onebyte-check 2>/dev/null) || return 1
	# shellcheck disable=SC2086
	$e export "$c" >"$build/image/fs.tar"
	st=$?
	# shellcheck disable=SC2086
	$e rm "$c" >/dev/null 2>&1
	[ $st -eq 0 ] && mkdir "$build/image/fs" &&
	tar -xf "$build/image/fs.tar" -C "$build/image/fs" || return 1
	files=$(cd "$build/image/fs" && find . | sort | tr '\n' ' ')
	echo "the image holds: $files"
	[ "$files" = ". ./onebyte ./onebyted " ] &&
	cmp "$build/static/server" "$build/image/fs/onebyted" &&
	cmp "$build/static/client" "$build/image/fs/onebyte"
}

mkdir -p "$build" || exit 1
check 'the suite under AddressSanitizer and UBSan (clang), no report' asan
check 'valgrind memcheck: server under load and SIGTERM, and the client' memcheck
check 'builds with gcc, clang and musl-gcc, -std=c99 -pedantic -Werror' builds
check 'cppcheck: no finding' cppcheck_all
check 'clang-tidy (bugprone, cert, clang-analyzer): no finding' tidy
check_if mandoc 'man pages: mandoc -Tlint clean (make lint-man)' make -s lint-man
check 'make install DESTDIR, PREFIX, SBINDIR; make uninstall leaves no file' \
    install_uninstall
check_if musl-gcc 'make static: both programs built static with musl' \
    make_static
check_if musl-gcc 'the suite against the static musl build (make static)' \
    musl_suite
check_if ROOT,musl-gcc,chroot \
    'static pair in an empty root (chroot): the client checks the server' \
    empty_root
if [ -z "$(engine)" ]; then
	skip 'the scratch image (dist/Containerfile): two files, nobody, port, HEALTHCHECK' \
	    'missing podman, or docker with a daemon'
	have podman || echo "podman podman" >>"$tmp/missing"
else
	check_if musl-gcc \
	    'the scratch image (dist/Containerfile): two files, nobody, port, HEALTHCHECK' \
	    image
fi
check 'make dist: the unpacked tarball passes make test (and bmake test)' \
    release
check_if ROOT,systemd-nspawn,nsenter,ss \
    "the installed systemd units under real systemd (nspawn): serve, log, stop, score" \
    sh tests/systemd.sh
missing_summary
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
