#!/bin/sh
# What happens around a daemon: closed or stalled stdio, clients that
# raise SIGPIPE or trickle, a host that keeps IPv6 sockets IPv6-only,
# a client stopped and continued.
# SPDX-License-Identifier: Unlicense
. "$(dirname "$0")/lib.sh"

setup 'a server started with fds 0, 1 and 2 closed' '
	free_port &&
	{ "$bin/server" -t 1 -b 127.0.0.1 $port <&- >&- 2>&- & } &&
	pid=$! && pids="$pids $pid" && answers $port
'

t 'started with fds 0, 1 and 2 closed: each client gets its one byte only' '
	# Were the connection fd 1 or 2, the log line would go into it too.
	"$bin/tests/load" -m line -n 5 -T 10 127.0.0.1 $port
'

t PROC 'started with fds 0, 1 and 2 closed: they are /dev/null, not sockets' '
	bad=0
	for fd in 0 1 2; do
		f=$(readlink /proc/$pid/fd/$fd)
		[ "$f" = /dev/null ] || { echo "fd $fd: $f"; bad=$((bad + 1)); }
	done
	[ $bad -eq 0 ]
'
teardown 'stop $pid'

setup 'a server with -t 1, its log into a pipe whose reader stalls' '
	stalled_log "$bin/server" -t 1 0 &&
	wait_line first "listening on" && port=$(port_of first)
'

t 'a log reader that stalls: 5,000 clients answered all the same' '
	"$bin/tests/load" -c 4 -n 5000 -T 30 127.0.0.1 $port >load.out
	st=$?
	cat load.out; [ $st -eq 0 ]
'

t 'when the log is read again, it says how many lines were dropped' '
	touch go && sleep 0.3 && "$bin/client" 127.0.0.1 $port &&
	wait_line rest "^server: [0-9]* log lines dropped (they could not be written)\$" &&
	wait_line rest "^127\.0\.0\.1 port [0-9]*: .r. -> .s.\$" &&
	grep "dropped" rest && stop $pid && wait $reader
'

# The same, but nothing is logged after the pipe is read again: the
# count comes at exit.
setup 'the same server and stalled reader again' '
	stalled_log "$bin/server" -t 1 0 &&
	wait_line first "listening on" && port=$(port_of first)
'

t 'lines dropped and no client after: the count is written at exit' '
	"$bin/tests/load" -c 4 -n 3000 -T 30 127.0.0.1 $port >load.out &&
	touch go && sleep 0.5 && stop $pid && wait $reader &&
	tail -n 1 rest | grep "^server: [0-9]* log lines dropped (they could not be written)\$"
'

setup 'a server with a limit of 4 descriptors' '
	start emfile sh -c "ulimit -n 4 && exec \"\$0\" -q -b 127.0.0.1 0" \
	    "$bin/server"
'

t 'out of descriptors: the server says so once a second and lives on' '
	# fds 0-3 are taken (3: the listener): each accept fails with EMFILE.
	"$bin/client" -t 2 127.0.0.1 $port; sleep 1
	errs=$(grep -c "^server: accept: $(reason EMFILE)\$" emfile.err)
	echo "$errs accept errors in about 2 s"
	[ "$errs" -ge 1 ] && [ "$errs" -le 4 ] && stop $pid
'

setup 'a server with -t 1' '
	start server "$bin/server" -t 1 0
'

t 'SIGPIPE: a client gone (half-closed, then reset) before its reply' '
	# The server is busy with a silent client, so each of these arrives,
	# sends, half-closes and resets before the server reads: its reply
	# then meets a dead socket, which raises SIGPIPE.
	"$bin/tests/load" -m silent -n 1 -T 5 127.0.0.1 $port >/dev/null &
	s=$! && sleep 0.2 &&
	"$bin/tests/load" -m shut-reset -c 3 -n 3 -T 5 127.0.0.1 $port &&
	wait $s && "$bin/client" 127.0.0.1 $port && alive $pid &&
	wait_line server.out "^127\.0\.0\.1 port [0-9]*: \\\\x0[012] -> not sent: "
'

t 'a client that trickles after a full buffer is let go after about -t' '
	"$bin/tests/load" -m trickle -d 100 -n 1 -T 6 127.0.0.1 $port >held.out
	st=$?
	cat held.out
	held=$(field max_us held.out)
	[ $st -eq 0 ] && [ "$held" -gt 800000 ] && [ "$held" -lt 1600000 ]
'
teardown 'stop $pid'

t ip,NETNS 'where IPv6 sockets default to IPv6-only, both 127.0.0.1 and ::1 answer' '
	ns_v6only sh -c "
		\"$bin/server\" -q 0 >ns.out &
		s=\$!
		i=0
		while [ \$i -lt 100 ] && ! grep -q listening ns.out; do
			sleep 0.05; i=\$((i + 1))
		done
		p=\$(sed -n \"s/.* port //p\" ns.out)
		\"$bin/client\" -t 2 127.0.0.1 \$p && \"$bin/client\" -t 2 ::1 \$p
		st=\$?
		kill \$s
		exit \$st
	"
'

# load -m listen plays a server that never answers and keeps what it
# receives, after its listening line.
setup 'load playing a server that never answers' '
	start got "$bin/tests/load" -m listen -T 10 127.0.0.1 0
'
t 'the client started with stderr closed: its message stays out of the socket' '
	! "$bin/client" -t 1 127.0.0.1 $port 2>&- && wait $pid &&
	tail -n +2 got.out >sent && od -c sent && printf r >want &&
	diff -u want sent
'

setup 'a fake server that never replies' '
	start fake "$bin/tests/fake" -m silent
'
t 'the client stopped and continued (^Z, fg) still gives up after -t' '
	s0=$(date +%s%N)
	"$bin/client" -t 2 127.0.0.1 $port 2>err &
	c=$!
	sleep 0.5 && kill -STOP $c && sleep 1 && kill -CONT $c
	wait $c; st=$?
	ms=$(( ($(date +%s%N) - s0) / 1000000 ))
	echo "exit $st after $ms ms"; cat err
	[ $st -eq 1 ] && [ $ms -lt 2800 ] && grep -q "within 2 s" err
'
teardown 'stop $pid'

test_done
