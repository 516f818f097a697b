#!/bin/sh
# SPDX-License-Identifier: Unlicense
. "$(dirname "$0")/lib.sh"
# The server in hostile surroundings (issue 17): its log on a terminal
# nobody reads, paused, hung up or in the background, on /dev/full, at a
# size limit, on a socket nobody reads; a long program name; the signals
# a terminal or a supervisor sends, and those ignored or blocked by its
# parent; a local socket under -i; the messages of the commonest start-up
# failures; -b :: and a listener from systemd that is IPv6 only.

# python3 plays the terminal: ptyserve MODE SERVER LOAD PORT N runs SERVER
# -b 127.0.0.1 PORT with fds 1 and 2 on a pty, then N clients (tests/load)
# and SIGTERM; prints load's line, what the pty showed and the exit.
# unread: the listening line is read, then nothing.  paused: ^S before
# the start, ^Q after the clients.  hungup: the terminal closed after the
# listening line.  tostop: the server in the background of its controlling
# terminal, with stty tostop (N unused).
ptyserve=$(cat <<'PY'
import os, pty, re, select, signal, socket, subprocess, sys, termios, time
mode, server, load, port, n = sys.argv[1:6]
def read_until(m, pat, secs=5):
    buf, end = b"", time.time() + secs
    while not re.search(pat, buf) and time.time() < end:
        if select.select([m], [], [], 0.1)[0]:
            try:
                d = os.read(m, 65536)
            except OSError:
                break
            if not d:
                break
            buf += d
    return buf
def answers(port):
    for i in range(100):
        try:
            socket.create_connection(("127.0.0.1", int(port))).close()
            return
        except OSError:
            time.sleep(0.05)
cmd = [server, "-b", "127.0.0.1", port]
if mode == "tostop":
    pid, m = pty.fork()
    if pid == 0:
        a = termios.tcgetattr(0)
        a[3] |= termios.TOSTOP
        termios.tcsetattr(0, termios.TCSANOW, a)
        p = subprocess.Popen(cmd, preexec_fn=os.setpgrp)
        with open("tostop.pid.new", "w") as f:
            f.write(str(p.pid))
        os.rename("tostop.pid.new", "tostop.pid")
        os._exit(p.wait() & 0x7f)
    out = read_until(m, rb"port \d+\r?\n")
    print(out.decode(errors="replace"))
    # The server's pid, whole (the file appears by rename); never 0,
    # which would kill our own process group.
    spid = 0
    for i in range(100):
        if os.path.exists("tostop.pid"):
            spid = int(open("tostop.pid").read())
            break
        time.sleep(0.05)
    if spid > 0:
        os.kill(spid, signal.SIGKILL)
    os.waitpid(pid, 0)
    sys.exit(0 if b"listening on" in out else 1)
m, s = pty.openpty()
if mode == "paused":
    os.write(m, b"\x13")
    time.sleep(0.1)
p = subprocess.Popen(cmd, stdout=s, stderr=s)
os.close(s)
out = b""
if mode == "paused":
    answers(port)
else:
    out = read_until(m, rb"port \d+\r?\n")
    port = re.search(rb"port (\d+)", out).group(1).decode()
if mode == "hungup":
    os.close(m)
r = subprocess.run([load, "-n", n, "-T", "60", "127.0.0.1", port],
    stdout=subprocess.PIPE, timeout=90)
print(r.stdout.decode())
if mode == "paused":
    # The terminal takes ^Q in its own time: clients until the count shows.
    os.write(m, b"\x11")
    for i in range(50):
        c = socket.create_connection(("127.0.0.1", int(port)))
        c.sendall(b"r")
        c.recv(1)
        c.close()
        out += read_until(m, rb"dropped[^\n]*\n", 0.1)
        if b"dropped" in out:
            break
p.terminate()
st = p.wait(timeout=10)
if mode != "hungup":
    out += read_until(m, rb"dropped[^\n]*\n", 2)
print(out.decode(errors="replace"))
print("exit", st)
sys.exit(r.returncode or st)
PY
)

t python3 'a log on a pty nobody reads: 3,000 clients in a row answered' '
	python3 -c "$ptyserve" unread "$bin/server" "$bin/tests/load" 0 3000 \
	    >pty.out 2>&1; st=$?
	cat pty.out; [ $st -eq 0 ] && grep -q " ok 3000 " pty.out
'

t python3 'a log on a pty paused with ^S: clients answered, the count after ^Q' '
	free_port &&
	python3 -c "$ptyserve" paused "$bin/server" "$bin/tests/load" $port 50 \
	    >pty.out 2>&1; st=$?
	cat pty.out; [ $st -eq 0 ] && grep -q " ok 50 " pty.out &&
	grep -q "^server: [0-9]* log lines dropped (they could not be written)" pty.out
'

t python3 'a log on a pty hung up: clients answered, exit 0 on SIGTERM' '
	python3 -c "$ptyserve" hungup "$bin/server" "$bin/tests/load" 0 200 \
	    >pty.out 2>&1; st=$?
	cat pty.out; [ $st -eq 0 ] && grep -q " ok 200 " pty.out
'

t python3 'in the background of a terminal with stty tostop: not stopped, the line written' '
	free_port &&
	python3 -c "$ptyserve" tostop "$bin/server" - $port 0 >pty.out 2>&1
	st=$?; cat pty.out; [ $st -eq 0 ]
'

t 'a log on /dev/full: clients answered, exit 0 on SIGTERM, no message' '
	free_port &&
	{ "$bin/server" -b 127.0.0.1 $port >/dev/full 2>full.err & } &&
	s=$! && pids="$pids $s" && answers $port &&
	"$bin/tests/load" -n 100 -T 10 127.0.0.1 $port && stop $s &&
	cat full.err && [ ! -s full.err ]
'

# A script, for load's getopt would take sh's -c.
printf '%s\n' 'ulimit -S -f 0 && exec "$1" -i 2>>"$2"' >"$tmp/fsize.sh"
setup 'tests/load playing inetd for server -i at a size limit' '
	start inetd "$bin/tests/load" -m inetd 127.0.0.1 0 "$(command -v sh)" \
	    "$tmp/fsize.sh" "$bin/server" "$tmp/fsize.log"
'
t '-i with its log a file at its size limit: served, exit 0, not killed' '
	"$bin/tests/load" -n 1 -T 10 127.0.0.1 $port && exit_of $pid &&
	[ ! -s fsize.log ]
'

# A name longer than any buffer a line had: a symlink of 220 characters,
# and exec -a with 5,000 (a shell builtin of bash and others; sh -c exec -a
# would fail without it, then the test says so).
long=$(printf "%0220d" 0 | tr 0 x)
t 'a program name of 220 characters: the listening line ends with its port' '
	ln -s "$bin/server" "$tmp/$long" &&
	start long "$tmp/$long" -b 127.0.0.1 0 &&
	grep -q "^$long: listening on 127\.0\.0\.1 port [0-9][0-9]*\$" long.out &&
	"$bin/client" 127.0.0.1 $port && stop $pid
'

t bash 'a name of 5,000 characters (exec -a): the line and the error keep their ends' '
	huge=$(printf "%05000d" 0 | tr 0 y) &&
	start huge bash -c "exec -a $huge \"\$0\" -b 127.0.0.1 0" "$bin/server" &&
	wc -c huge.out && grep -q "^y*: listening on 127\.0\.0\.1 port [0-9]*\$" huge.out &&
	stop $pid &&
	bash -c "exec -a $huge \"\$0\" -b $huge 0" "$bin/server" 2>huge.err
	[ $? -eq 1 ] && [ "$(wc -l <huge.err)" -eq 1 ] &&
	grep -q "^y* port 0: [A-Z][a-z]" huge.err
'

t python3 'a log on a socket nobody reads: 3,000 clients answered' '
	python3 -c "
import re, socket, subprocess, sys
a, b = socket.socketpair()
b.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
p = subprocess.Popen([sys.argv[1], \"-b\", \"127.0.0.1\", \"0\"], stdout=b)
b.close()
line = b\"\"
while not re.search(rb\"port \\d+\\n\", line):
    line += a.recv(1)
port = re.search(rb\"port (\\d+)\", line).group(1).decode()
r = subprocess.run([sys.argv[2], \"-n\", \"3000\", \"-T\", \"60\", \"127.0.0.1\", port])
p.terminate()
sys.exit(r.returncode or p.wait(timeout=10))
" "$bin/server" "$bin/tests/load"
'

# Signals from a terminal or a supervisor: SIGHUP ends the server as
# SIGTERM does, after the client in hand; SIGUSR1 and SIGUSR2 are ignored;
# SIGQUIT quits at once (the test shell ignores it in its children: env
# resets it).

# env that sets a signal's disposition for the command (coreutils 8.31).
prereq_ENV_SIGNALS() {
	env --default-signal=QUIT --ignore-signal=HUP true 2>/dev/null
}
setup 'server -t 1 -b 127.0.0.1 0' '
	start server "$bin/server" -t 1 -b 127.0.0.1 0
'
t 'SIGHUP while a silent client is held: that client finished, exit 0' '
	"$bin/tests/load" -m silent -n 1 -T 5 127.0.0.1 $port >held.out &
	l=$!
	sleep 0.3 && kill -HUP $pid && exit_of $pid; st=$?
	wait $l; cat server.out; echo "exit $st"
	[ $st -eq 0 ] && grep -q "port [0-9]*: timed out\$" server.out
'

setup 'server -b 127.0.0.1 0' '
	start server "$bin/server" -b 127.0.0.1 0
'
t 'SIGUSR1 and SIGUSR2: ignored, the server serves on' '
	kill -USR1 $pid && kill -USR2 $pid && sleep 0.2 && alive $pid &&
	"$bin/client" 127.0.0.1 $port && stop $pid
'

t ENV_SIGNALS 'SIGHUP ignored when it started (nohup): it serves on after a hang-up' '
	start nohup env --ignore-signal=HUP "$bin/server" -b 127.0.0.1 0 &&
	kill -HUP $pid && sleep 0.2 && alive $pid &&
	"$bin/client" 127.0.0.1 $port && stop $pid
'

t python3 'started with SIGTERM, SIGINT and SIGHUP blocked: SIGTERM still stops it' '
	start masked python3 -c "import os, signal, sys
signal.pthread_sigmask(signal.SIG_BLOCK,
    {signal.SIGTERM, signal.SIGINT, signal.SIGHUP})
os.execv(sys.argv[1], sys.argv[1:])" "$bin/server" -b 127.0.0.1 0 &&
	stop $pid; st=$?
	echo "exit $st"; [ $st -eq 0 ]
'

t ENV_SIGNALS 'SIGQUIT: the server quits at once, killed by it' '
	start quit env --default-signal=QUIT "$bin/server" -b 127.0.0.1 0 &&
	kill -QUIT $pid && exit_of $pid; st=$?
	echo "exit $st"; [ $st -eq 131 ]
'

t python3 '-i: SIGHUP, SIGTERM, SIGINT, SIGUSR1 and SIGUSR2 before the byte: still served, exit 0' '
	python3 -c "$connected
p = subprocess.Popen([sys.argv[1], \"-i\"], stdin=s, stdout=s)
s.close()
time.sleep(0.3)
for sig in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT, signal.SIGUSR1,
    signal.SIGUSR2):
    p.send_signal(sig)
time.sleep(0.2)
c.sendall(b\"r\")
c.settimeout(5)
r = c.recv(10)
st = p.wait(timeout=5)
print(\"reply\", r, \"exit\", st)
sys.exit(0 if r == b\"s\" and st == 0 else 1)
" "$bin/server"
'

# python3 plays socat's EXEC without nofork: fds 0 and 1 a UNIX socketpair.
socketpair='import socket, subprocess, sys
a, b = socket.socketpair()
a.sendall(b"r")
err = b if sys.argv[2] == "pair" else None
p = subprocess.run([sys.argv[1], "-i"], stdin=b, stdout=b, stderr=err)
b.close()
a.settimeout(5)
try:
    got = a.recv(1000)
except OSError:
    got = b""
print("exit", p.returncode, "got", got)
sys.exit(0 if p.returncode == 1 and got == b"" else 1)'

t python3 '-i on a UNIX socketpair (socat EXEC without nofork): exit 1, naming nofork' '
	python3 -c "$socketpair" "$bin/server" file 2>pair.err; st=$?
	cat pair.err; [ $st -eq 0 ] && [ "$(wc -l <pair.err)" -eq 1 ] &&
	grep -q "^server: -i: standard input is a local socket, not a TCP connection; with socat, add nofork to EXEC\$" pair.err
'

t python3 '-i on a socketpair that is stderr too: exit 1, nothing said into it' '
	python3 -c "$socketpair" "$bin/server" pair
'

# Start-up failures that name their fix (the C library's words vary; ours not).
setup 'server -q -b 127.0.0.1 0' '
	start server "$bin/server" -q -b 127.0.0.1 0
'
t 'a port in use: the message says another process holds it, and ss -ltnp' '
	exits_with 1 "^server: bind to 127\.0\.0\.1 port $port: .* (another process holds that port: ss -ltnp shows which; stop it, or choose another port)\$" \
	    "$bin/server" -b 127.0.0.1 $port
'
teardown 'stop $pid'

t UNPRIVILEGED 'port 1 without the privilege: the message names what grants it' '
	exits_with 1 "^server: bind to port 1: .* (a port below 1024 needs root or CAP_NET_BIND_SERVICE; in a systemd unit, AmbientCapabilities=CAP_NET_BIND_SERVICE)\$" \
	    $(as_nobody) "$bin/server" 1
'

t 'an address not on this host: the message says so' '
	exits_with 1 "^server: bind to 192\.0\.2\.1 port 0: .* (no interface of this host has that address: ip address lists them)\$" \
	    "$bin/server" -b 192.0.2.1 0
'

# EAI_SYSTEM comes when getaddrinfo cannot open /etc/hosts: no descriptor
# left.  A dynamic build cannot even load its C library there; a static
# musl build can.
t musl-gcc 'getaddrinfo out of descriptors (EAI_SYSTEM): errno'"'"'s reason, not "System error"' '
	src=$bin/server.c && { [ -f "$src" ] || src=$top/server.c; } &&
	musl-gcc -static -std=c99 -D_POSIX_C_SOURCE=200809L -O2 -o static "$src" &&
	(ulimit -n 3 && exec ./static -b localhost 0) 2>sys.err; st=$?
	cat sys.err; [ $st -eq 1 ] &&
	grep -q "^static: resolve localhost port 0: No file descriptors available\$" sys.err
'

t ip,NETNS '-b :: on a host whose IPv6 sockets are IPv6 only: IPv4 clients answered' '
	ns_v6only sh -c "
		\"$bin/server\" -b :: 0 >v6.out 2>&1 &
		s=\$!
		i=0
		while [ \$i -lt 100 ] && ! grep -q listening v6.out; do
			sleep 0.05; i=\$((i + 1))
		done
		p=\$(sed -n \"s/.* port //p\" v6.out)
		\"$bin/client\" -t 2 127.0.0.1 \$p; st=\$?
		kill \$s
		exit \$st
	" && cat v6.out && grep -q "^server: listening on :: port [0-9]*\$" v6.out
'

t python3 'a socket on :: that is IPv6 only (from systemd): the line says so' '
	python3 -c "
import os, socket, sys
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
s.bind((\"::\", 0))
s.listen(1)
os.dup2(s.fileno(), 3)
os.set_inheritable(3, True)
os.environ.update(LISTEN_PID=str(os.getpid()), LISTEN_FDS=\"1\")
os.execv(sys.argv[1], [sys.argv[1]])
" "$bin/server" >only.out 2>&1 & p=$!
	pids="$pids $p"
	wait_line only.out "listening" && kill $p && cat only.out &&
	grep -q "^server: listening on IPv6 only, :: port [0-9]*\$" only.out
'

t '-h and -V into a full disk: exit 1, saying so' '
	exits_with 1 "^server: write error: " \
	    sh -c "exec \"\$0\" -h >/dev/full" "$bin/server" &&
	exits_with 1 "^server: write error: " \
	    sh -c "exec \"\$0\" -V >/dev/full" "$bin/server"
'

test_done
