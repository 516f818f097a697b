# lib.sh: helpers for the test suite.  POSIX sh.
# SPDX-License-Identifier: Unlicense
#
# Each tests/tN-name.sh is a script of its own, as git's tests are: it
# sources this file, runs its tests and ends with test_done, which prints
# the TAP plan.  So one file runs alone (sh tests/t1-exchange.sh), prove
# reads them (prove tests/t*.sh), and run.sh runs them all and counts.
#
# A test is a sentence and a list of commands joined by &&:
#	t 'the client gets its reply' '
#		"$bin/client" 127.0.0.1 $port >out && grep -q "server: s" out
#	'
# It passes when the commands exit 0.  Its output is shown only on failure.
# A test that needs more than a C compiler, make and the base utilities
# (coreutils, util-linux, grep, sed, awk, find, getent) names what it
# needs first: t socat 'under socat ...' '...'.  What the next tests
# use (a server, a supervisor) is started by a test too, setup, so that a
# set-up that fails is one failure that says so.

# The checkout: the parent of the sourcing script's directory (tests/),
# unless the script set it (tests/bench/bench.sh).
if [ -z "${top:-}" ]; then
	top=$(cd "$(dirname "$0")/.." && pwd) || exit 1
fi
cd "$top" || exit 1

# The programs under test: this checkout's, or a build elsewhere (BIN=dir),
# such as the sanitizer build of make check.
case ${BIN:-} in
"") bin=$top ;;
/*) bin=$BIN ;;
*) bin=$top/$BIN ;;
esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/echo-tests.XXXXXX") || exit 1
pids=
n=0
passed=0
failed=0
skipped=0
broken=
# The tools that tests lacked: run.sh gathers every file's in one file.
missing=${SUITE_MISSING:-$tmp/missing}

# Every process a test started: SIGTERM, then after 5 s SIGKILL for
# those still there, so that a server deaf to SIGTERM cannot hang the run.
cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null
	done
	i=0
	while [ $i -lt 100 ]; do
		left=
		for p in $pids; do
			kill -0 "$p" 2>/dev/null && left="$left $p"
		done
		[ -z "$left" ] && break
		sleep 0.05
		i=$((i + 1))
	done
	for p in $left; do
		kill -9 "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# t [PREREQ[,PREREQ...]] WHAT BODY: one test (git's test_expect_success).
# A PREREQ in lower case is a tool that must be on PATH (nc, socat, ...);
# in upper case, a condition that prereq_NAME below checks (ROOT, NETNS),
# or a thing a tool must be able to do (TCPSERVER_IPV6).  A test whose
# prerequisite is missing, or whose set-up failed, is skipped, saying
# why.  It runs in this shell, in $tmp, so what it sets ($pid, $port)
# stays set.  Its status: 1 if it failed.
t() {
	if [ $# -eq 3 ]; then
		lacking=$(lacking "$1")
		shift
		if [ -n "$lacking" ]; then
			skip "$1" "missing $lacking"
			return 0
		fi
	fi
	if [ -n "$broken" ]; then
		skip "$1" "its set-up failed ($broken)"
		return 0
	fi
	n=$((n + 1))
	what=$1
	body=$2
	cd "$tmp" || exit 1
	if { eval "$body"; } >"$tmp/log" 2>&1; then
		passed=$((passed + 1))
		echo "ok $n - $what"
		st=0
	else
		failed=$((failed + 1))
		echo "not ok $n - $what"
		sed 's/^/#   /' "$tmp/log"
		st=1
	fi
	cd "$top" || exit 1
	return $st
}

# setup [PREREQ[,...]] WHAT BODY: a test that starts what the next ones
# use.  If it fails, those up to the next setup or teardown are skipped:
# the one failure names the cause.
setup() {
	broken=
	if [ $# -eq 3 ]; then
		t "$1" "set-up: $2" "$3" || broken=$2
	else
		t "set-up: $1" "$2" || broken=$1
	fi
}

# teardown COMMANDS: stop what a setup started, quietly (each test checks
# what it needs; a server's exit status is a test's business).
teardown() {
	broken=
	{ eval "$1"; } >/dev/null 2>&1
}

# test_done: the end of a test file: the tools its tests lacked (when run
# alone), its counts, the TAP plan; exit 1 if a test failed.
test_done() {
	[ -n "${SUITE_MISSING:-}" ] || missing_summary
	echo "# $passed passed, $failed failed, $skipped skipped"
	echo "1..$n"
	[ "$failed" -eq 0 ] || exit 1
	exit 0
}

# lacking PREREQS: those of the comma-separated PREREQS that are missing.
# Runs in a subshell: a missing tool, or a capability a package brings,
# is noted in $missing, for the summary at the end.
lacking() {
	out=
	for p in $(echo "$1" | tr , ' '); do
		case $p in
		*[a-z]*)
			have "$p" && continue
			echo "$p $(package_of "$p")" >>"$missing" ;;
		*)
			"prereq_$p" && continue
			pkg=$(package_of "$p")
			[ -z "$pkg" ] || echo "$p $pkg" >>"$missing" ;;
		esac
		out="${out:+$out, }$p"
	done
	echo "$out"
}

# package_of TOOL: the Debian package that brings TOOL.
package_of() {
	case $1 in
	nc) echo netcat-openbsd ;;
	tcpserver) echo ucspi-tcp-ipv6 ;;
	systemd-socket-activate) echo systemd ;;
	systemd-nspawn) echo systemd-container ;;
	ip | ss) echo iproute2 ;;
	musl-gcc) echo musl-tools ;;
	setpriv | unshare) echo util-linux ;;
	getent) echo libc-bin ;;
	TCPSERVER_IPV6) echo ucspi-tcp-ipv6 ;;
	*[A-Z]*) ;;	# ROOT, NETNS, ...: no package brings them
	*) echo "$1" ;;	# ncat, busybox, socat, python3, strace, ...
	esac
}

# missing_summary: one line naming the tools that tests lacked, if any,
# and the one command that installs them all.
missing_summary() {
	[ -s "$missing" ] || return 0
	tools=$(cut -d' ' -f1 "$missing" | sort -u | tr '\n' ' ')
	pkgs=$(cut -d' ' -f2 "$missing" | sort -u | tr '\n' ' ')
	echo "# skipped for want of: ${tools% }; to run them: apt-get install ${pkgs% }"
}

# The conditions a test may need, in upper case.
prereq_ROOT() {
	[ "$(id -u)" -eq 0 ]
}
prereq_NOTROOT() {
	[ "$(id -u)" -ne 0 ]
}
prereq_PROC() {
	[ -d /proc/self/fd ]
}
# A network namespace of the test's own (root and unshare); loopback in
# it is brought up with ip, a prerequisite of its own.
prereq_NETNS() {
	unshare --net true 2>/dev/null
}
# A tcpserver that listens on IPv6 (Debian's ucspi-tcp-ipv6; ucspi-tcp's
# is IPv4 only: "no IP address for ::1").  -1 prints the port it got.
prereq_TCPSERVER_IPV6() {
	have tcpserver || return 1
	tcpserver -1 -RHl0 ::1 0 true >"$tmp/ts6" 2>&1 &
	ts6=$!
	ts6_i=0
	while [ $ts6_i -lt 100 ] && kill -0 $ts6 2>/dev/null &&
	    ! grep -q '^[0-9]' "$tmp/ts6"; do
		sleep 0.05
		ts6_i=$((ts6_i + 1))
	done
	kill $ts6 2>/dev/null
	wait $ts6 2>/dev/null
	grep -q '^[0-9]' "$tmp/ts6"
}
# echo-test and localhost can resolve to ::1 and 127.0.0.1 (two_addresses).
prereq_TWO_ADDRESSES() {
	two_addresses getent ahosts echo-test >"$tmp/two" 2>/dev/null &&
	grep -q '^::1 ' "$tmp/two" && grep -q '^127\.0\.0\.1 ' "$tmp/two"
}
# A process without the right to bind ports under 1024: this user if not
# root, else nobody (see as_nobody); and the host keeps those ports
# privileged (ip_unprivileged_port_start is 0 in some containers).
prereq_UNPRIVILEGED() {
	first=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start 2>/dev/null)
	[ "${first:-1024}" -gt 1 ] && $(as_nobody) true 2>/dev/null
}

# as_nobody: the words that run a command unprivileged, for root:
# setpriv (util-linux) to nobody, which drops every capability with the
# uid; nothing for another user.  Unquoted: $(as_nobody) CMD [ARGS].
as_nobody() {
	[ "$(id -u)" -ne 0 ] ||
	    echo setpriv --reuid=65534 --regid=65534 --clear-groups
}

# two_addresses CMD [ARGS]: run CMD where the names echo-test and
# localhost have two addresses, ::1 and 127.0.0.1 (a private /etc/hosts
# in a mount namespace; many hosts give localhost 127.0.0.1 alone).
two_addresses() {
	printf '%s\n' '::1 echo-test localhost' '127.0.0.1 echo-test localhost' \
	    >"$tmp/hosts"
	unshare --mount sh -c 'mount --bind "$0" /etc/hosts && exec "$@"' \
	    "$tmp/hosts" "$@"
}

# ns_v6only CMD [ARGS]: run CMD in a network namespace of its own with only
# loopback up and net.ipv6.bindv6only=1 (as OpenBSD, or some Linux hosts).
ns_v6only() {
	unshare --net sh -c 'ip link set lo up &&
	    echo 1 >/proc/sys/net/ipv6/bindv6only && exec "$@"' sh "$@"
}

# skip WHAT WHY: a test this host cannot run, counted apart.
skip() {
	n=$((n + 1))
	skipped=$((skipped + 1))
	echo "ok $n - $1 # SKIP $2"
}

# wait_line FILE PATTERN: wait up to 5 s for a line matching PATTERN.
wait_line() {
	i=0
	while [ $i -lt 100 ]; do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
		i=$((i + 1))
	done
	echo "no line matching '$2' in $1 after 5 s:"
	cat "$1" 2>/dev/null
	return 1
}

# wait_lines FILE N: wait up to 5 s for FILE to have N lines.
wait_lines() {
	i=0
	while [ $i -lt 100 ]; do
		[ "$(wc -l <"$1")" -ge "$2" ] && return 0
		sleep 0.05
		i=$((i + 1))
	done
	echo "$1 has fewer than $2 lines after 5 s"
	return 1
}

# port_of FILE: the port of the first "listening on ... port N" line.
port_of() {
	sed -n 's/.*listening on .* port \([0-9][0-9]*\)$/\1/p' "$1" | head -n 1
}

# start NAME CMD [ARGS]: run CMD in the background, output in
# $tmp/NAME.out and NAME.err; wait for its listening line; set $pid, $port.
start() {
	name=$1
	shift
	# Empty first: the child truncates only once it runs, and until then
	# wait_line would read the last server's line and port.
	: >"$tmp/$name.out"
	: >"$tmp/$name.err"
	"$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
	pid=$!
	pids="$pids $pid"
	port=
	wait_line "$tmp/$name.out" 'listening on .* port [0-9]' || return 1
	port=$(port_of "$tmp/$name.out")
}

# start_bg NAME CMD [ARGS]: run CMD in the background, output in
# $tmp/NAME.out and NAME.err, without waiting for anything; sets $pid.
start_bg() {
	name=$1
	shift
	"$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
	pid=$!
	pids="$pids $pid"
}

# stop PID [SIGNAL]: SIGTERM (or SIGNAL), then wait up to 5 s for it to
# exit, SIGKILL if it has not; its status (a child's; 127 for another's).
stop() {
	kill -"${2:-TERM}" "$1" 2>/dev/null
	exit_of "$1"
}

# exit_of PID [SECONDS]: wait up to SECONDS (whole, default 5) for PID to
# exit, SIGKILL if it has not; its status, as stop gives it.
exit_of() {
	[ -n "$1" ] || { echo "exit_of: no process"; return 127; }
	i=0
	while [ $i -lt $((${2:-5} * 20)) ] && kill -0 "$1" 2>/dev/null; do
		sleep 0.05
		i=$((i + 1))
	done
	if kill -0 "$1" 2>/dev/null; then
		echo "process $1 still running after ${2:-5} s"
		kill -9 "$1"
	fi
	wait "$1"
}

# alive PID: the process is still running.
alive() {
	kill -0 "$1" 2>/dev/null || { echo "process $1 has died"; return 1; }
}

# exits_with STATUS PATTERN CMD [ARGS]: CMD exits STATUS, and its stderr
# matches PATTERN; for a run-time failure (1), in a single line.
exits_with() {
	want=$1
	pattern=$2
	shift 2
	timeout 10 "$@" >"$tmp/cmd.out" 2>"$tmp/cmd.err" </dev/null
	st=$?
	if [ $st -ne "$want" ] || ! grep -q -- "$pattern" "$tmp/cmd.err" ||
	    { [ "$want" -eq 1 ] && [ "$(wc -l <"$tmp/cmd.err")" -ne 1 ]; }; then
		echo "$*: exit $st, want $want and '$pattern' on stderr:"
		cat "$tmp/cmd.err"
		return 1
	fi
}

# reason ERRNO: a pattern (grep's basic regular expression) for the
# words the C library gives strerror(ERRNO): the project's messages end
# in them, and glibc and musl word some differently.
reason() {
	case $1 in
	EADDRINUSE) echo 'Address \(already \)\{0,1\}in use' ;;
	EADDRNOTAVAIL)
		echo '\(Cannot assign requested address\|Address not available\)' ;;
	EMFILE) echo '\(Too many open files\|No file descriptors available\)' ;;
	EACCES) echo 'Permission denied' ;;
	*) echo "reason: no words for $1" >&2; echo "$1" ;;
	esac
}

# usage_error CMD [ARGS]: CMD exits 2 with a usage line on stderr.
usage_error() {
	exits_with 2 '^usage: ' "$@"
}

# answers PORT: wait up to 5 s for a server on 127.0.0.1 PORT to answer.
answers() {
	i=0
	while [ $i -lt 100 ]; do
		"$bin/client" -t 1 127.0.0.1 "$1" >/dev/null 2>&1 && return 0
		sleep 0.05
		i=$((i + 1))
	done
	echo "nothing answers on 127.0.0.1 port $1 after 5 s"
	return 1
}

# free_port: set $port to a port the kernel just gave one of our servers
# and got back, for tools that cannot listen on port 0 and tell the port.
free_port() {
	start freeport "$bin/server" -q -b 127.0.0.1 0 &&
	stop $pid >/dev/null
}

# supervise NAME CMD [ARGS]: run a supervisor (tcpserver, socat, ...)
# in the background, output in $tmp/NAME.out and NAME.err, and wait until
# it answers on the port in $port (see free_port).  Sets $pid.
supervise() {
	name=$1
	shift
	"$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
	pid=$!
	pids="$pids $pid"
	answers $port || { cat "$tmp/$name.err"; return 1; }
}

# have TOOL: the tool is installed.
have() {
	command -v "$1" >/dev/null 2>&1
}

# fds PID: how many descriptors the process has open.
fds() {
	ls "/proc/$1/fd" | wc -l
}

# field NAME FILE: a number from load's one-line report.
field() {
	sed -n "s/.* $1 \([0-9][0-9]*\).*/\1/p" "$2"
}

# stalled_log CMD [ARGS]: run the server CMD with its log into a pipe
# whose reader takes the listening line, then reads nothing until the
# file "go" appears (at most 60 s), then the rest into "rest".
stalled_log() {
	rm -f "$tmp/log.fifo" "$tmp/go" "$tmp/first" "$tmp/rest"
	mkfifo "$tmp/log.fifo" || return 1
	"$@" >"$tmp/log.fifo" &
	pid=$!
	pids="$pids $pid"
	{
		read -r line && echo "$line" >"$tmp/first"
		i=0
		while [ ! -e "$tmp/go" ] && [ $i -lt 600 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		cat >"$tmp/rest"
	} <"$tmp/log.fifo" &
	reader=$!
	pids="$pids $reader"
}

# For python3 playing a supervisor (t11, t15): c, a client connected to
# s, the socket accepted for it.
connected='import signal, socket, subprocess, sys, time
ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(1)
c = socket.create_connection(ls.getsockname())
s, _ = ls.accept()'
