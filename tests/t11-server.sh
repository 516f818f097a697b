#!/bin/sh
# SPDX-License-Identifier: Unlicense
. "$(dirname "$0")/lib.sh"
# The server keeps its promises whatever surrounds it: a log that is
# full, at its size limit or cut short; signals and stops in the middle
# of a wait; sockets handed over non-blocking or the sd_listen_fds way;
# no /dev; a link-local address; and the cost of one -i connection.

# held_ms FILE: load's run time, in milliseconds.
held_ms() {
	sed -n 's/.* seconds \([0-9.]*\) .*/\1/p' "$1" | awk '{ printf "%d", $1 * 1000 }'
}

# ms_since T0: milliseconds since T0, a `date +%s%N`.
ms_since() {
	echo $(( ($(date +%s%N) - $1) / 1000000 ))
}

# first_reply PORT: wait while a server still starting refuses connections
# (up to 5 s), then one check, which must pass: a server that listens
# but never answers fails it at once.
first_reply() {
	i=0
	while [ $i -lt 100 ]; do
		"$bin/client" -t 2 127.0.0.1 "$1" >/dev/null 2>first.err && return 0
		grep -q "connection refused" first.err || break
		sleep 0.05
		i=$((i + 1))
	done
	cat first.err
	return 1
}

setup 'a server: server -t 0.5 -b 127.0.0.1 0' '
	start server "$bin/server" -t 0.5 -b 127.0.0.1 0
'

t '-t 0.5: a silent client is dropped after about half a second' '
	"$bin/tests/load" -m silent -n 1 -T 5 127.0.0.1 $port >held.out &&
	ms=$(held_ms held.out) && echo "held $ms ms" &&
	[ "$ms" -ge 400 ] && [ "$ms" -lt 1500 ] &&
	wait_line server.out "^127\.0\.0\.1 port [0-9]*: timed out\$"
'
teardown 'stop $pid'

setup 'a server: server -t 2 -b 127.0.0.1 0' '
	start server "$bin/server" -t 2 -b 127.0.0.1 0
'
t 'SIGTERM after SIGTERM while a silent client is held: exit when its -t ends' '
	"$bin/tests/load" -m silent -n 1 -T 8 127.0.0.1 $port >held.out &
	l=$!
	sleep 0.3 && t0=$(date +%s%N) && i=0 &&
	while [ $i -lt 10 ] && kill -TERM $pid 2>/dev/null; do
		sleep 0.4
		i=$((i + 1))
	done
	exit_of $pid 8; st=$?
	ms=$(ms_since $t0); wait $l
	echo "exit $st, $ms ms after the first SIGTERM, $i signals"
	cat server.out
	# The client came 0.3 s before the first signal: its 2 s end 1.7 s
	# after it.  Restarted by each signal, they would end 2 s after the
	# last one, 4 s or more after the first.
	[ $st -eq 0 ] && [ $ms -lt 2800 ] && grep -q "timed out" server.out
'

setup 'a server: server -t 2 -b 127.0.0.1 0' '
	start server "$bin/server" -t 2 -b 127.0.0.1 0
'
t 'stopped and continued while a silent client is held: dropped at its -t' '
	"$bin/tests/load" -m silent -n 1 -T 10 127.0.0.1 $port >held.out &
	l=$!
	sleep 0.3 && kill -STOP $pid && sleep 2.5 && kill -CONT $pid
	wait $l; st=$?
	ms=$(held_ms held.out)
	echo "load exit $st, held $ms ms"
	# Continued 2.8 s after the client came, past its 2 s: dropped at
	# once, not 2 s later.
	[ $st -eq 0 ] && [ "$ms" -lt 3800 ] && stop $pid
'
teardown 'kill -CONT $pid; stop $pid'

t 'a log pipe already full when the server starts: clients answered all the same' '
	free_port && rm -f full.fifo && mkfifo full.fifo &&
	# A reader that never reads keeps the pipe open; fill it up.
	{ sleep 60 <>full.fifo & } && holder=$! && pids="$pids $holder" &&
	{ timeout 3 sh -c "exec cat /dev/zero >full.fifo"; [ $? -eq 124 ]; } &&
	# Full indeed: a one-byte write has to wait.
	{ timeout 1 sh -c "printf x >full.fifo"; [ $? -eq 124 ]; } &&
	{ "$bin/server" -b 127.0.0.1 $port >full.fifo 2>full.err & } &&
	s=$! && pids="$pids $s" &&
	first_reply $port &&
	# Read the pipe again: the next line comes after the count.
	{ timeout 3 cat full.fifo >drained & } && r=$! && sleep 0.5 &&
	"$bin/client" 127.0.0.1 $port >/dev/null && sleep 0.3 &&
	stop $s && kill $holder && wait $r
	tr -d "\\000" <drained >lines
	cat lines full.err
	grep -q "^server: [0-9]* log lines dropped (they could not be written)\$" lines &&
	grep -q "^127\.0\.0\.1 port [0-9]*: .r. -> .s.\$" lines
'

t 'a log file at its size limit: the server lives, lines dropped, none shared' '
	free_port &&
	{ sh -c "ulimit -S -f 1 && exec \"\$0\" -b 127.0.0.1 $port" \
	    "$bin/server" >limited.log 2>limited.err & } &&
	s=$! && pids="$pids $s" &&
	answers $port &&
	"$bin/tests/load" -n 60 -T 10 127.0.0.1 $port >load.out && alive $s &&
	size=$(wc -c <limited.log) && echo "log at $size bytes" &&
	[ "$size" -le 1024 ] &&
	# Room again: the cut line is ended, the count and the next line follow.
	prlimit --pid $s --fsize=unlimited: &&
	"$bin/client" 127.0.0.1 $port >/dev/null && sleep 0.2 && stop $s &&
	cat limited.log &&
	grep -q "^server: [0-9]* log lines dropped (they could not be written)\$" limited.log &&
	! grep -E "port .* port |.server: " limited.log
'

t python3 '-i on a socket handed over non-blocking: it waits for the byte' '
	python3 -c "$connected
s.setblocking(False)
p = subprocess.Popen([sys.argv[1], \"-i\", \"-t\", \"3\"], stdin=s, stdout=s)
s.close()
time.sleep(0.3)
c.sendall(b\"r\")
c.settimeout(5)
r = c.recv(10)
st = p.wait(timeout=5)
print(\"reply\", r, \"exit\", st)
sys.exit(0 if r == b\"s\" and st == 0 else 1)
" "$bin/server" 2>nb.err; st=$?
	cat nb.err; [ $st -eq 0 ] && grep -q ": .r. -> .s.\$" nb.err
'

t systemd-socket-activate '-i with Accept=yes and the connection on fd 3 (LISTEN_FDS=1): served' '
	free_port &&
	supervise sa3 systemd-socket-activate -l 127.0.0.1:$port -a \
	    "$bin/server" -i &&
	"$bin/client" 127.0.0.1 $port >out &&
	wait_line sa3.err "^127\.0\.0\.1 port [0-9]*: .r. -> .s.\$"
'
teardown '[ -z "$pid" ] || stop $pid'

t systemd-socket-activate '-i with Accept=no: exit 1, saying to run it without -i' '
	free_port &&
	{ systemd-socket-activate -l 127.0.0.1:$port "$bin/server" -i \
	    >sa4.out 2>sa4.err & } &&
	s=$! && pids="$pids $s" &&
	wait_line sa4.err "^Listening on" &&
	! "$bin/client" -t 2 127.0.0.1 $port 2>/dev/null &&
	wait_line sa4.err "^server: -i: systemd passed a listening socket (Accept=no): run server without -i for it, or set Accept=yes\$"
'
teardown '[ -z "$s" ] || stop $s'

t ROOT 'no /dev at all, fds 0-2 open: the server starts and serves' '
	free_port &&
	{ unshare --mount sh -c "mount -t tmpfs none /dev &&
	    exec \"\$0\" -b 127.0.0.1 $port" "$bin/server" \
	    >nodev.out 2>nodev.err & } &&
	s=$! && pids="$pids $s" &&
	wait_line nodev.out "listening on" && "$bin/client" 127.0.0.1 $port &&
	stop $s; cat nodev.err; [ ! -s nodev.err ]
'

t ip,NETNS '-b fe80::2%lo: the listening line keeps the zone and works as printed' '
	unshare --net sh -c "
		ip link set lo up && ip -6 addr add fe80::2/64 dev lo nodad || exit 1
		\"$bin/server\" -q -b fe80::2%lo 0 >zone.out 2>&1 &
		s=\$!
		i=0
		while [ \$i -lt 100 ] && ! grep -q listening zone.out; do
			sleep 0.05; i=\$((i + 1))
		done
		a=\$(sed -n \"s/^server: listening on \\(.*\\) port [0-9]*\$/\\1/p\" zone.out)
		p=\$(sed -n \"s/.* port //p\" zone.out)
		\"$bin/client\" -t 2 \"\$a\" \$p; st=\$?
		kill \$s
		exit \$st
	" && cat zone.out &&
	grep -q "^server: listening on fe80::2%lo port [0-9]*\$" zone.out
'

# Under -i every connection is a process start: its system calls, from
# the first of main's (the poll of fds 0-2) to exit, stay few.  Counted on
# a plain build of the source under test (sanitizers add their own).
t strace,python3 '-i -q: one connection costs at most 9 system calls of our own' '
	src=$bin/server.c && { [ -f "$src" ] || src=$top/server.c; } &&
	cc -std=c99 -D_POSIX_C_SOURCE=200809L -O2 -o plain "$src" &&
	python3 -c "$connected
c.sendall(b\"r\")
p = subprocess.run([\"strace\", \"-o\", \"calls\", \"./plain\", \"-i\", \"-q\"],
    stdin=s, stdout=s)
sys.exit(0 if p.returncode == 0 and c.recv(10) == b\"s\" else 1)
" && sed -n "/^poll(\\[{fd=0, events=0}/,\$p" calls | grep -v "^+++" >ours &&
	cat ours && [ -s ours ] && [ "$(wc -l <ours)" -le 9 ]
'

setup 'a server: server -q -b ::1 0' '
	start server "$bin/server" -q -b ::1 0
'
t 'every address, with the port taken on ::1: exit 1, not IPv4 alone' '
	exits_with 1 "bind to port $port: $(reason EADDRINUSE)" \
	    "$bin/server" $port
'
teardown 'stop $pid'

t 'getopt errors name the program as run, as every message does' '
	exits_with 2 "^server: unknown option .-z.\$" "$bin/server" -z &&
	exits_with 2 "^server: missing argument to .-t.\$" "$bin/server" -t &&
	# That line and the usage line, nothing else (no getopt message).
	[ "$(wc -l <cmd.err)" -eq 2 ]
'

# fd 3 from "systemd" that is a socket, but not a listening TCP one (a
# server left running by the mutant that takes it is ended by timeout).
t python3 'fd 3 a TCP socket not listening, or a local one listening: exit 1' '
	bad=0
	for kind in tcp unix; do
		python3 -c "
import os, socket, sys
if sys.argv[1] == \"tcp\":
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((\"127.0.0.1\", 0))
else:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(\"\\0onebyte-test-%d\" % os.getpid())
    s.listen(1)
os.dup2(s.fileno(), 3)
os.set_inheritable(3, True)
os.environ.update(LISTEN_PID=str(os.getpid()), LISTEN_FDS=\"1\")
os.execv(sys.argv[2], [sys.argv[2]])
" $kind "$bin/server" 2>fd3.err & p=$!
		exit_of $p 3; st=$?
		echo "$kind: exit $st"; cat fd3.err
		[ $st -eq 1 ] && grep -q "^server: fd 3 from systemd is not a listening TCP socket" fd3.err || bad=1
	done
	[ $bad -eq 0 ]
'

test_done
