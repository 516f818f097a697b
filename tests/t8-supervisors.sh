# Under supervisors: -i (inetd mode) under systemd-socket-activate,
# tcpserver and socat, and systemd socket activation (Accept=no).
# A tool that is not installed skips its tests, saying so.

t '-i on a terminal or file (fd 0 not a socket): exit 1, saying so' '
	exits_with 1 "^server: -i: standard input is not a connected socket" \
	    "$bin/server" -i
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

# The one-byte client as nc plays it: what came back, byte for byte.
nc_reply() {
	printf "r\n" | timeout 10 nc -N 127.0.0.1 $port >nc.out && printf s >want &&
	cmp want nc.out
}

if have systemd-socket-activate; then
	free_port && supervise sa systemd-socket-activate -l 127.0.0.1:$port \
	    --inetd -a "$bin/server" -i -t 1

	t '-i under systemd-socket-activate --inetd: reply, one log line on stderr' '
		"$bin/client" 127.0.0.1 $port >out &&
		printf "Reply from server: \047s\047\n" >want && diff -u want out &&
		wait_line sa.err "^127\.0\.0\.1 port [0-9]*: .r. -> .s.\$"
	'

	t '-i: nc -N sending r and a newline gets s and nothing else, 20 of 20' '
		i=0 good=0
		while [ $i -lt 20 ]; do
			nc_reply && good=$((good + 1))
			i=$((i + 1))
		done
		echo "$good of 20" && [ $good -eq 20 ]
	'

	t '-i: a client that sends 2,000 bytes gets its reply' '
		{ printf a; head -c 2000 /dev/zero; } >big &&
		r=$(timeout 10 nc -N 127.0.0.1 $port <big) && [ "$r" = b ]
	'

	t '-i exits 0 when the reply was sent, 1 when the client sent nothing' '
		! grep -q "died with code 1" sa.err &&
		grep -q "died with code 0" sa.err &&
		"$bin/tests/load" -m close -n 1 -T 5 127.0.0.1 $port &&
		wait_line sa.err "closed without sending" &&
		wait_line sa.err "died with code 1" &&
		! grep -q "died with code [^01]" sa.err
	'

	t '-i under a supervisor: five idle clients do not delay a good one' '
		idle_do_not_delay
	'

	t '-i -t 1: a silent client is dropped after a second, and logged' '
		"$bin/tests/load" -m silent -n 1 -T 3 127.0.0.1 $port &&
		wait_line sa.err "^127\.0\.0\.1 port [0-9]*: timed out\$"
	'
	stop $pid >/dev/null

	free_port && supervise saq systemd-socket-activate -l 127.0.0.1:$port \
	    --inetd -a "$bin/server" -i -q

	t '-i -q: the reply, and no log line' '
		nc_reply && wait_line saq.err "died with code 0" &&
		! grep "port [0-9]*:" saq.err
	'
	stop $pid >/dev/null

	# inetd and xinetd give the connection on fd 2 as well.
	free_port && supervise sa2 systemd-socket-activate -l 127.0.0.1:$port \
	    --inetd -a sh -c "exec \"\$0\" -i 2>&1" "$bin/server"

	t '-i with fd 2 the connection too (inetd): the client gets one byte only' '
		nc_reply && nc_reply
	'
	stop $pid >/dev/null

	# -i forgotten: the server must not take the connection for a
	# terminal, print its listening line into it and listen on 29008.
	free_port
	systemd-socket-activate -l 127.0.0.1:$port --inetd -a "$bin/server" \
	    >"$tmp/noi.out" 2>"$tmp/noi.err" &
	pid=$!
	pids="$pids $pid"
	t 'under a supervisor without -i: exit 2, saying to add -i, no reply' '
		wait_line noi.err "^Listening on" &&
		exits_with 1 "^client: " "$bin/client" -t 2 127.0.0.1 $port &&
		wait_line noi.err "^server: standard input is a TCP connection: run server -i" &&
		wait_line noi.err "died with code 2"
	'
	stop $pid >/dev/null

	free_port
	systemd-socket-activate -l 127.0.0.1:$port --inetd -a \
	    sh -c "exec \"\$0\" 2>&1" "$bin/server" >"$tmp/noi2.out" 2>"$tmp/noi2.err" &
	pid=$!
	pids="$pids $pid"
	t 'the same with fd 2 the connection too: not a byte into it' '
		wait_line noi2.err "^Listening on" &&
		printf "r\n" | timeout 10 nc -N 127.0.0.1 $port >nc.out
		od -c nc.out; [ ! -s nc.out ] && wait_line noi2.err "died with code 2"
	'
	stop $pid >/dev/null

	# Accept=no: systemd-socket-activate execs the server at the first
	# connection, which the server then accepts on fd 3.
	free_port && supervise sa3 systemd-socket-activate -l 127.0.0.1:$port \
	    "$bin/server" -t 2

	t 'Accept=no: served on fd 3; the listening line names that port' '
		grep -q "^server: listening on 127\.0\.0\.1 port $port\$" sa3.out &&
		wait_line sa3.out "^127\.0\.0\.1 port [0-9]*: .r. -> .s.\$" &&
		nc_reply && stop $pid
	'

	free_port
	systemd-socket-activate -l 127.0.0.1:$port -a "$bin/server" \
	    >"$tmp/sa4.out" 2>"$tmp/sa4.err" &
	pid=$!
	pids="$pids $pid"
	t 'Accept=yes without -i: exit 1, the message names the fix' '
		wait_line sa4.err "^Listening on" &&
		! "$bin/client" -t 2 127.0.0.1 $port &&
		wait_line sa4.err "^server: fd 3 from systemd is a connection (Accept=yes): run server -i for it, or set Accept=no" &&
		wait_line sa4.err "died with code 1"
	'
	stop $pid >/dev/null
else
	skip 'under systemd-socket-activate' 'systemd-socket-activate is not installed'
fi

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
# python3 plays systemd, since no shell tool can make one.
if have python3; then
	free_port
	start nb python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[2])))
s.listen(16)
s.setblocking(False)
os.dup2(s.fileno(), 3)
os.set_inheritable(3, True)
os.environ.update(LISTEN_PID=str(os.getpid()), LISTEN_FDS="1")
os.execv(sys.argv[1], [sys.argv[1], "-q"])
' "$bin/server" $port

	t 'a listening socket passed non-blocking: served, and accept blocks' '
		# Left non-blocking, accept would fail with EAGAIN in a busy loop.
		"$bin/client" 127.0.0.1 $port && sleep 1 &&
		ticks=$(awk "{ print \$14 + \$15 }" /proc/$pid/stat) &&
		echo "CPU time after a second idle: $ticks ticks" &&
		[ "$ticks" -lt 20 ] && stop $pid
	'
else
	skip 'a listening socket passed non-blocking' 'python3 is not installed'
fi

t 'LISTEN_PID of another process: not ours, the server opens its own' '
	start other env LISTEN_PID=1 LISTEN_FDS=1 "$bin/server" -b 127.0.0.1 0 &&
	"$bin/client" 127.0.0.1 $port && stop $pid
'

if have tcpserver; then
	free_port && supervise tcpserver tcpserver -RHl0 127.0.0.1 $port \
	    "$bin/server" -i

	t '-i under tcpserver (fd 0 to read, fd 1 to write): reply and log' '
		nc_reply &&
		wait_line tcpserver.err "^127\.0\.0\.1 port [0-9]*: .r. -> .s.\$"
	'

	t '-i under tcpserver: five idle clients do not delay a good one' '
		idle_do_not_delay
	'
	stop $pid >/dev/null
else
	skip '-i under tcpserver' 'tcpserver (ucspi-tcp) is not installed'
fi

if have socat; then
	free_port && supervise socat socat \
	    TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork \
	    EXEC:"$bin/server -i",nofork

	t '-i under socat (fork, EXEC nofork): reply and log' '
		nc_reply &&
		wait_line socat.err "^127\.0\.0\.1 port [0-9]*: .r. -> .s.\$"
	'
	stop $pid >/dev/null
else
	skip '-i under socat' 'socat is not installed'
fi
