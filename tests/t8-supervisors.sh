#!/bin/sh
# Under supervisors: -i (inetd mode) with tests/load playing inetd, then
# under systemd-socket-activate, tcpserver and socat; systemd socket
# activation (Accept=no), by hand and by load; the README's one-liners,
# on IPv4 and IPv6 at once.  Each test names the supervisor it needs, and
# is skipped when it is not installed.
# SPDX-License-Identifier: Unlicense
. "$(dirname "$0")/lib.sh"

t '-i on a terminal or file (fd 0 not a socket): exit 1, saying so' '
	exits_with 1 "^server: -i: standard input is not a connected socket" \
	    "$bin/server" -i
'

# load -m inetd plays inetd for one connection: fds 0 and 1 are it.
setup 'load playing inetd for one connection: server -i' '
	start inetd "$bin/tests/load" -m inetd 127.0.0.1 0 "$bin/server" -i
'
t '-i with the connection on fds 0 and 1: one byte back, a log line, exit 0' '
	"$bin/tests/load" -m line -n 1 -T 10 127.0.0.1 $port && exit_of $pid &&
	wait_line inetd.err "^127\.0\.0\.1 port [0-9]*: \\\\x00 -> \\\\x01\$"
'

setup 'load playing inetd for one connection: server -i' '
	start inetd "$bin/tests/load" -m inetd 127.0.0.1 0 "$bin/server" -i
'
t '-i: a client that sends 2,000 bytes gets its reply, and exit 0' '
	"$bin/tests/load" -m big -s 2000 -n 1 -T 10 127.0.0.1 $port && exit_of $pid
'

setup 'load playing inetd for one connection: server -i' '
	start inetd "$bin/tests/load" -m inetd 127.0.0.1 0 "$bin/server" -i
'
t '-i: a client that closes without sending: logged, exit 1' '
	"$bin/tests/load" -m close -n 1 -T 10 127.0.0.1 $port
	exit_of $pid; st=$?
	echo "exit $st"; [ $st -eq 1 ] &&
	wait_line inetd.err "^127\.0\.0\.1 port [0-9]*: closed without sending\$"
'

setup 'load playing inetd: server -i -t 1' '
	start inetd "$bin/tests/load" -m inetd 127.0.0.1 0 "$bin/server" -i -t 1
'
t '-i -t 1: a silent client is dropped, logged as timed out, exit 1' '
	"$bin/tests/load" -m silent -n 1 -T 5 127.0.0.1 $port >silent.out
	st=$?
	exit_of $pid; code=$?
	cat silent.out; echo "exit $code"
	[ $st -eq 0 ] && [ $code -eq 1 ] &&
	wait_line inetd.err "^127\.0\.0\.1 port [0-9]*: timed out\$"
'

setup 'load playing inetd: server -i -q' '
	start inetd "$bin/tests/load" -m inetd 127.0.0.1 0 "$bin/server" -i -q
'
t '-i -q: the reply, and no log line' '
	"$bin/tests/load" -m line -n 1 -T 10 127.0.0.1 $port && exit_of $pid &&
	! grep "port [0-9]*:" inetd.err
'

# inetd and xinetd give the connection on fd 2 as well.
setup 'load playing inetd, the connection on fd 2 too: server -i' '
	start inetd "$bin/tests/load" -m inetd 127.0.0.1 0 "$(command -v sh)" \
	    -c "exec \"\$0\" -i 2>&1" "$bin/server"
'
t '-i with fd 2 the connection too (inetd): the client gets one byte only' '
	"$bin/tests/load" -m line -n 1 -T 10 127.0.0.1 $port && exit_of $pid
'

# -i forgotten: the server must not take the connection for a terminal,
# print its listening line into it and listen on 29008.
setup 'load playing inetd, the connection on fd 2 too: server without -i' '
	start inetd "$bin/tests/load" -m inetd 127.0.0.1 0 "$(command -v sh)" \
	    -c "exec \"\$0\" 2>&1" "$bin/server"
'
t 'a connection on fds 0 to 2 without -i: exit 2, not a byte into it' '
	# A silent client: EOF (or a reset) with no byte before it passes.
	"$bin/tests/load" -m silent -n 1 -T 5 127.0.0.1 $port; st=$?
	exit_of $pid; code=$?
	echo "exit $code"; [ $st -eq 0 ] && [ $code -eq 2 ]
'

setup 'load playing inetd: server without -i' '
	start inetd "$bin/tests/load" -m inetd 127.0.0.1 0 "$bin/server"
'
t 'a connection on fds 0 and 1 without -i: exit 2, saying to add -i' '
	"$bin/tests/load" -m silent -n 1 -T 5 127.0.0.1 $port; st=$?
	exit_of $pid; code=$?
	echo "exit $code"; cat inetd.err; [ $st -eq 0 ] && [ $code -eq 2 ] &&
	grep -q "^server: standard input is a TCP connection: run server -i" inetd.err
'

# Five clients connect and say nothing; meanwhile 20 good ones are each
# answered within half a second.
idle_do_not_delay() {
	"$bin/tests/load" -m silent -c 5 -n 5 -T 8 127.0.0.1 $port >idle.out &
	s=$! && sleep 0.3 &&
	"$bin/tests/load" -n 20 -T 5 127.0.0.1 $port >good.out
	good=$?
	kill $s 2>/dev/null; wait $s
	cat good.out
	[ $good -eq 0 ] && [ "$(field max_us good.out)" -lt 500000 ]
}

# The one-byte client as nc plays it (r and a newline, then EOF): the
# reply is exactly one byte.
nc_reply() {
	"$bin/tests/load" -m line -n "${1:-1}" -T 10 127.0.0.1 $port
}

SA=systemd-socket-activate
setup $SA 'server -i -t 1 under systemd-socket-activate --inetd' '
	free_port && supervise sa $SA -l 127.0.0.1:$port \
	    --inetd -a "$bin/server" -i -t 1
'

t $SA '-i under systemd-socket-activate --inetd: reply, one log line on stderr' '
	"$bin/client" 127.0.0.1 $port >out &&
	printf "Reply from server: \047s\047\n" >want && diff -u want out &&
	wait_line sa.err "^127\.0\.0\.1 port [0-9]*: .r. -> .s.\$"
'

t $SA '-i: a client sending r and a newline gets s and nothing else, 20 of 20' '
	nc_reply 20
'

t $SA '-i: a client that sends 2,000 bytes gets its reply' '
	"$bin/tests/load" -m big -s 2000 -n 1 -T 10 127.0.0.1 $port
'

t $SA '-i exits 0 when the reply was sent, 1 when the client sent nothing' '
	! grep -q "died with code 1" sa.err &&
	grep -q "died with code 0" sa.err &&
	"$bin/tests/load" -m close -n 1 -T 5 127.0.0.1 $port &&
	wait_line sa.err "closed without sending" &&
	wait_line sa.err "died with code 1" &&
	! grep -q "died with code [^01]" sa.err
'

t $SA '-i under a supervisor: five idle clients do not delay a good one' '
	idle_do_not_delay
'

t $SA '-i -t 1: a silent client is dropped after a second, and logged' '
	"$bin/tests/load" -m silent -n 1 -T 3 127.0.0.1 $port &&
	wait_line sa.err "^127\.0\.0\.1 port [0-9]*: timed out\$"
'
teardown 'stop $pid'

setup $SA 'server -i -q under systemd-socket-activate --inetd' '
	free_port && supervise saq $SA -l 127.0.0.1:$port \
	    --inetd -a "$bin/server" -i -q
'

t $SA '-i -q under systemd-socket-activate: the reply, and no log line' '
	nc_reply && wait_line saq.err "died with code 0" &&
	! grep "port [0-9]*:" saq.err
'
teardown 'stop $pid'

# inetd and xinetd give the connection on fd 2 as well.
setup $SA 'server -i under systemd-socket-activate, fd 2 the connection too' '
	free_port && supervise sa2 $SA -l 127.0.0.1:$port \
	    --inetd -a sh -c "exec \"\$0\" -i 2>&1" "$bin/server"
'

t $SA 'under systemd-socket-activate, fd 2 the connection too: one byte only' '
	nc_reply 2
'
teardown 'stop $pid'

# -i forgotten: the server must not take the connection for a
# terminal, print its listening line into it and listen on 29008.
setup $SA 'server without -i under systemd-socket-activate --inetd' '
	free_port && start_bg noi $SA -l 127.0.0.1:$port --inetd \
	    -a "$bin/server"
'

t $SA 'under a supervisor without -i: exit 2, saying to add -i, no reply' '
	wait_line noi.err "^Listening on" &&
	exits_with 1 "^client: " "$bin/client" -t 2 127.0.0.1 $port &&
	wait_line noi.err "^server: standard input is a TCP connection: run server -i" &&
	wait_line noi.err "died with code 2"
'
teardown 'stop $pid'

setup $SA 'the same, fd 2 the connection too' '
	free_port && start_bg noi2 $SA -l 127.0.0.1:$port --inetd \
	    -a sh -c "exec \"\$0\" 2>&1" "$bin/server"
'

t $SA 'the same with fd 2 the connection too: not a byte into it' '
	# A silent client: EOF (or a reset) with no byte before it passes.
	wait_line noi2.err "^Listening on" &&
	"$bin/tests/load" -m silent -n 1 -T 5 127.0.0.1 $port &&
	wait_line noi2.err "died with code 2"
'
teardown 'stop $pid'

# Accept=no: systemd-socket-activate execs the server at the first
# connection, which the server then accepts on fd 3.
setup $SA 'server -t 2 under systemd-socket-activate (Accept=no)' '
	free_port && supervise sa3 $SA -l 127.0.0.1:$port "$bin/server" -t 2
'

t $SA 'Accept=no: served on fd 3; the listening line names that port' '
	grep -q "^server: listening on 127\.0\.0\.1 port $port\$" sa3.out &&
	wait_line sa3.out "^127\.0\.0\.1 port [0-9]*: .r. -> .s.\$" &&
	nc_reply && stop $pid
'

setup $SA 'server without -i under systemd-socket-activate -a (Accept=yes)' '
	free_port && start_bg sa4 $SA -l 127.0.0.1:$port -a "$bin/server"
'

t $SA 'Accept=yes without -i: exit 1, the message names the fix' '
	wait_line sa4.err "^Listening on" &&
	! "$bin/client" -t 2 127.0.0.1 $port &&
	wait_line sa4.err "^server: fd 3 from systemd is a connection (Accept=yes): run server -i for it, or set Accept=no" &&
	wait_line sa4.err "died with code 1"
'
teardown 'stop $pid'

# The protocol by hand: LISTEN_PID is the pid the server will have, as
# sh execs it; fd 3 is whatever the test gives.
activated='LISTEN_PID=$$ LISTEN_FDS=$0 exec "$@"'

t 'LISTEN_FDS=2: exit 1, saying to give one ListenStream=' '
	exits_with 1 "^server: systemd passed 2 sockets (LISTEN_FDS); give the .socket unit one ListenStream=\$" \
	    sh -c "$activated" 2 "$bin/server"
'

t 'LISTEN_FDS=0 or not a number: exit 1, saying so' '
	exits_with 1 "^server: systemd passed 0 sockets (LISTEN_FDS); give" \
	    sh -c "$activated" 0 "$bin/server" &&
	exits_with 1 "^server: LISTEN_FDS is not a number; give" \
	    sh -c "$activated" x "$bin/server"
'

t 'fd 3 not a socket: exit 1, naming fd 3' '
	exits_with 1 "^server: fd 3 from systemd is not a listening TCP socket" \
	    sh -c "$activated" 1 "$bin/server" 3</dev/null
'

t 'an inherited socket with a port or -b: usage error' '
	exits_with 2 "no -b, no port" sh -c "$activated" 1 "$bin/server" 80 3</dev/null &&
	exits_with 2 "no -b, no port" sh -c "$activated" 1 "$bin/server" -b ::1 3</dev/null
'

# A listening socket passed non-blocking (systemd's NonBlocking=yes):
# load -m activate plays systemd.
setup 'load playing systemd, the socket non-blocking: server -q' '
	start nb "$bin/tests/load" -m activate 127.0.0.1 0 "$bin/server" -q
'

t PROC 'a listening socket passed non-blocking: served, and accept blocks' '
	# Left non-blocking, accept would fail with EAGAIN in a busy loop.
	"$bin/client" 127.0.0.1 $port && sleep 1 &&
	ticks=$(awk "{ print \$14 + \$15 }" /proc/$pid/stat) &&
	echo "CPU time after a second idle: $ticks ticks" &&
	[ "$ticks" -lt 20 ]
'

t 'a listening socket passed non-blocking: served, and SIGTERM stops it' '
	"$bin/client" 127.0.0.1 $port && stop $pid
'

t 'LISTEN_PID of another process: not ours, the server opens its own' '
	start other env LISTEN_PID=1 LISTEN_FDS=1 "$bin/server" -b 127.0.0.1 0 &&
	"$bin/client" 127.0.0.1 $port && stop $pid
'

setup tcpserver 'server -i under tcpserver on 127.0.0.1' '
	free_port && supervise tcpserver tcpserver -RHl0 127.0.0.1 $port \
	    "$bin/server" -i
'

t tcpserver '-i under tcpserver (fd 0 to read, fd 1 to write): reply and log' '
	nc_reply &&
	wait_line tcpserver.err "^127\.0\.0\.1 port [0-9]*: .r. -> .s.\$"
'

t tcpserver '-i under tcpserver: five idle clients do not delay a good one' '
	idle_do_not_delay
'
teardown 'stop $pid'

# socat's EXEC splits its command at spaces, quotes or not: the server is
# ./server, in the test's directory (as in the README), whatever the
# checkout's path.
setup socat 'server -i under socat on 127.0.0.1' '
	ln -sf "$bin/server" server && free_port && supervise socat socat \
	    TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork EXEC:"./server -i",nofork
'

t socat '-i under socat (fork, EXEC nofork): reply and log' '
	nc_reply &&
	wait_line socat.err "^127\.0\.0\.1 port [0-9]*: .r. -> .s.\$"
'
teardown 'stop $pid'

# The README's one-liners serve IPv4 and IPv6 clients on one port, each
# logged with its own address (an IPv4 client not as ::ffff:127.0.0.1).
# both_answer LOG: 127.0.0.1 and ::1 get s, and LOG has both lines.
both_answer() {
	"$bin/client" 127.0.0.1 $port && "$bin/client" ::1 $port &&
	wait_line "$1" "^127\.0\.0\.1 port [0-9]*: .r. -> .s.\$" &&
	wait_line "$1" "^::1 port [0-9]*: .r. -> .s.\$"
}

# ucspi-tcp-ipv6's tcpserver binds 0 as [::] with IPv6-only off (:: it
# cannot parse: "unable to figure out IP address for ::"); ucspi-tcp's,
# IPv4 only, binds 0 as 0.0.0.0.
setup tcpserver 'the one-liner: tcpserver -RHl0 -b 64 -c 40 0 PORT ./server -i' '
	ln -sf "$bin/server" server && free_port &&
	supervise ts6 tcpserver -RHl0 -b 64 -c 40 0 $port ./server -i
'

t tcpserver 'one-liner tcpserver ... 0 PORT server -i: 127.0.0.1 answers' '
	"$bin/client" 127.0.0.1 $port &&
	wait_line ts6.err "^127\.0\.0\.1 port [0-9]*: .r. -> .s.\$"
'

t tcpserver,TCPSERVER_IPV6 'one-liner tcpserver ... 0 PORT server -i: ::1 answers too' '
	both_answer ts6.err
'
teardown 'stop $pid'

setup socat 'the one-liner: socat TCP6-LISTEN:PORT,ipv6only=0,... EXEC:./server -i' '
	ln -sf "$bin/server" server && free_port && supervise socat6 socat \
	    TCP6-LISTEN:$port,ipv6only=0,reuseaddr,fork,backlog=64,max-children=64 \
	    EXEC:"./server -i",nofork
'

t socat 'one-liner socat TCP6-LISTEN:PORT,ipv6only=0: 127.0.0.1 and ::1 answer' '
	both_answer socat6.err
'
teardown 'stop $pid'

setup $SA 'the one-liner: systemd-socket-activate --inetd -a -l PORT server -i' '
	free_port && supervise sa6 $SA --inetd -a -l $port "$bin/server" -i
'

t $SA 'systemd-socket-activate --inetd -a -l PORT server -i: both answer' '
	both_answer sa6.err
'
teardown 'stop $pid'

setup $SA 'the one-liner: systemd-socket-activate -l PORT server' '
	free_port && supervise sa7 $SA -l $port "$bin/server"
'

t $SA 'systemd-socket-activate -l PORT server (Accept=no): both answer' '
	both_answer sa7.out
'
teardown 'stop $pid'

test_done
