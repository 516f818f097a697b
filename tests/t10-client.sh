#!/bin/sh
# The client as a health check: the exact check, one deadline, decimal
# seconds, -4 -6 -s -q -v -w, and its name in every message.
# SPDX-License-Identifier: Unlicense
. "$(dirname "$0")/lib.sh"

# hosts LINES: the /etc/hosts that "$tmp/in-hosts CMD [ARGS]" runs CMD
# with (printf escapes in LINES), a private one in a mount namespace, as
# t3 does.  Appending to $tmp/hosts10 changes what CMD sees.
hosts() {
	printf "$1" >"$tmp/hosts10"
}
cat >"$tmp/in-hosts" <<EOF
#!/bin/sh
exec unshare --mount sh -c 'mount --bind "\$0" /etc/hosts && exec "\$@"' \\
    "$tmp/hosts10" "\$@"
EOF
chmod +x "$tmp/in-hosts"

# timed CMD [ARGS]: run CMD, its status; $ms is how long it took.
timed() {
	s0=$(date +%s%N)
	"$@"
	st=$?
	ms=$(( ($(date +%s%N) - s0) / 1000000 ))
	echo "took $ms ms" >&2
	return $st
}

setup 'a port that a server had, and has no more' '
	start server "$bin/server" 0 && gone=$port && stop $pid
'

# --- the exact check

setup 'a fake server: fake -m banner' '
	start fake "$bin/tests/fake" -m banner
'
t 'an SSH banner that starts with the byte wanted: exit 1, its bytes shown' '
	exits_with 1 "^client: 127\.0\.0\.1 port $port sent more than one byte: \"SSH-2\.0-OpenSSH_\"\.\.\. (not a one-byte echo server)\$" \
	    "$bin/client" -c R -t 2 127.0.0.1 $port && [ ! -s cmd.out ]
'
teardown 'stop $pid'

setup 'a fake server: fake -m line' '
	start fake "$bin/tests/fake" -m line
'
t 'a stray server whose line starts with s: exit 1, not up' '
	exits_with 1 "port $port sent more than one byte: \"server: listenin\"\.\.\. (not" \
	    "$bin/client" -t 2 127.0.0.1 $port && [ ! -s cmd.out ]
'
teardown 'stop $pid'

setup 'a fake server: fake -m two' '
	start fake "$bin/tests/fake" -m two
'
t 'the right byte, then one more: exit 1, both shown, \xNN when not printable' '
	exits_with 1 "port $port sent more than one byte: \"ss\" (not a one-byte echo server)\$" \
	    "$bin/client" -t 2 127.0.0.1 $port && [ ! -s cmd.out ] &&
	exits_with 1 "sent more than one byte: \"\\\\x00\\\\x00\" (" \
	    "$bin/client" -c "\\xff" -t 2 127.0.0.1 $port
'
teardown 'stop $pid'

setup 'a fake server: fake -m hold' '
	start fake "$bin/tests/fake" -m hold
'
t 'the right byte, then the connection held open: exit 1 at -t, saying so' '
	timed exits_with 1 "^client: 127\.0\.0\.1 port $port sent .s. but did not close the connection within 1 s\$" \
	    "$bin/client" -t 1 127.0.0.1 $port &&
	[ $ms -ge 900 ] && [ $ms -lt 2500 ] && [ ! -s cmd.out ]
'
teardown 'stop $pid'

setup 'a fake server: fake -m reset' '
	start fake "$bin/tests/fake" -m reset
'
t 'the right byte, then a reset instead of the close: exit 1, saying so' '
	exits_with 1 "^client: read from 127\.0\.0\.1 port $port: " \
	    "$bin/client" -t 2 127.0.0.1 $port && [ ! -s cmd.out ]
'
teardown 'stop $pid'

setup 'a server: server 0' '
	start server "$bin/server" 0
'

t 'the reply is shown quoted, as the server logs it' '
	"$bin/client" 127.0.0.1 $port >out &&
	printf "Reply from server: \047s\047\n" >want && diff -u want out &&
	"$bin/client" -c "\\x1f" 127.0.0.1 $port >out &&
	printf "Reply from server: \047 \047\n" >want && diff -u want out
'

# --- -q and -v

t '-q: nothing on stdout or stderr when the check passes' '
	"$bin/client" -q 127.0.0.1 $port >out 2>err &&
	[ ! -s out ] && [ ! -s err ]
'

t '-q: a failure still prints its one line on stderr, nothing on stdout' '
	exits_with 1 "^client: no server is listening on 127\.0\.0\.1 port $gone" \
	    "$bin/client" -q 127.0.0.1 $gone && [ ! -s cmd.out ]
'

t '-v: after the reply, the numeric address that answered and two times in ms' '
	"$bin/client" -v 127.0.0.1 $port >out &&
	[ $(wc -l <out) -eq 2 ] &&
	printf "Reply from server: \047s\047\n" >want &&
	head -n 1 out >got && diff -u want got &&
	sed -n 2p out | grep -E "^127\.0\.0\.1 port $port: connect [0-9]+\.[0-9]{3} ms, reply [0-9]+\.[0-9]{3} ms\$" &&
	"$bin/client" -v ::1 $port >out &&
	sed -n 2p out | grep -E "^::1 port $port: connect [0-9]+\.[0-9]{3} ms, reply [0-9]+\.[0-9]{3} ms\$" &&
	"$bin/client" -v localhost $port >out &&
	sed -n 2p out | grep -E "^(127\.0\.0\.1|::1) port $port: connect"
'

t '-q -v: the line of -v alone' '
	"$bin/client" -q -v 127.0.0.1 $port >out &&
	[ $(wc -l <out) -eq 1 ] &&
	grep -E "^127\.0\.0\.1 port $port: connect [0-9]+\.[0-9]{3} ms, reply [0-9]+\.[0-9]{3} ms\$" out
'

# --- -s

t '-s 127.0.0.1 and -s 127.0.0.2: the server sees that source address' '
	"$bin/client" -s 127.0.0.2 127.0.0.1 $port >/dev/null &&
	wait_line server.out "^127\.0\.0\.2 port [0-9]*: .r. -> .s.\$" &&
	"$bin/client" -s 127.0.0.1 127.0.0.1 $port >/dev/null &&
	wait_lines server.out 3 &&
	tail -n 1 server.out | grep "^127\.0\.0\.1 port [0-9]*: .r. -> .s.\$"
'

t '-s with an address not on this host: exit 1, one line' '
	exits_with 1 "^client: bind to 192\.0\.2\.1: " \
	    "$bin/client" -s 192.0.2.1 127.0.0.1 $port
'

t '-s: a source that does not resolve, or of the wrong family: exit 1' '
	exits_with 1 "^client: resolve nosuch\.invalid (-s): " \
	    "$bin/client" -s nosuch.invalid 127.0.0.1 $port &&
	exits_with 1 "^client: resolve 127\.0\.0\.1: " \
	    "$bin/client" -s ::1 127.0.0.1 $port
'

# --- -4 and -6

t '-4 and -6: only that family; both together a usage error' '
	"$bin/client" -4 127.0.0.1 $port >/dev/null &&
	"$bin/client" -6 ::1 $port >/dev/null &&
	exits_with 1 "^client: resolve 127\.0\.0\.1: " \
	    "$bin/client" -6 127.0.0.1 $port &&
	exits_with 1 "^client: resolve ::1: " "$bin/client" -4 ::1 $port &&
	exits_with 2 "^client: -4 and -6 cannot be used together\$" \
	    "$bin/client" -4 -6 127.0.0.1 $port
'

# --- decimal seconds

t '-t and -w take 0.001 to 86400, with a point: .5 and 1. too' '
	bad=0
	for a in 86400 .5 1. 0.5 1.250; do
		"$bin/client" -t $a -w $a 127.0.0.1 $port >/dev/null ||
		{ echo "-t $a -w $a failed"; bad=1; }
	done
	"$bin/client" -t 0.001 -w 0.001 127.0.0.1 $port >/dev/null
	[ $? -ne 2 ] && [ $bad -eq 0 ]
'
teardown 'stop $pid'

while read -r line; do
	t "client $line: usage, exit 2" "
		eval \"set -- \$line\" && usage_error \"\$bin/client\" \"\$@\"
	"
done <<'EOF_ARGS'
-t 0
-t 0.0009
-t 86400.1
-t 86401
-t 1e3
-t inf
-t nan
-t -1
-t ' 1'
-t '1 '
-t 0x10
-t ''
-t .
-t 1.2.3
-t 1,5
-w 0
-w -1
-w x
-w
-s
-6 -4
EOF_ARGS

t 'a bad -t or -w: the value in the message, then the usage line' '
	{ "$bin/client" -t 0 2>err; [ $? -eq 2 ]; } &&
	printf "client: invalid timeout \0470\047\n%s\n" \
	    "usage: client [-46hqv] [-c char] [-s address] [-t seconds] [-w seconds] [host [port]]" >want &&
	diff -u want err &&
	{ "$bin/client" -w -1 2>err; [ $? -eq 2 ]; } &&
	head -n 1 err >got && printf "client: invalid wait \047-1\047\n" >want &&
	diff -u want got
'

t 'every message starts with the name it was called by (onebyte)' '
	ln -s "$bin/client" onebyte &&
	{ ./onebyte -z 2>err; [ $? -eq 2 ]; } &&
	printf "onebyte: unknown option \047-z\047\n%s\n" \
	    "usage: onebyte [-46hqv] [-c char] [-s address] [-t seconds] [-w seconds] [host [port]]" >want &&
	diff -u want err &&
	{ ./onebyte -t 2>err; [ $? -eq 2 ]; } &&
	head -n 1 err >got && printf "onebyte: missing argument to \047-t\047\n" >want &&
	diff -u want got &&
	exits_with 1 "^onebyte: no server is listening" ./onebyte 127.0.0.1 $gone &&
	./onebyte -h >out && grep "^usage: onebyte \[-46hqv\]" out
'

setup 'a fake server: fake -m silent' '
	start fake "$bin/tests/fake" -m silent
'
t '-t 0.5: no reply, gives up after about half a second' '
	timed exits_with 1 "no reply from 127\.0\.0\.1 port $port within 0\.5 s\$" \
	    "$bin/client" -t 0.5 127.0.0.1 $port &&
	[ $ms -ge 450 ] && [ $ms -lt 1500 ]
'
teardown 'stop $pid'

# --- one deadline for all the addresses of a name

setup 'two fake servers that drop SYNs, on 127.0.0.2 and 127.0.0.3' '
	start fake "$bin/tests/fake" -m full -b 127.0.0.2 &&
	slow=$port fake2=$pid &&
	start fake3 "$bin/tests/fake" -m full -b 127.0.0.3 -p $slow
'
t ROOT 'two addresses that drop SYNs: -t 2 is 2 s in all, not 2 s each' '
	hosts "127.0.0.2 echo-slow\n127.0.0.3 echo-slow\n" &&
	"$tmp/in-hosts" getent ahosts echo-slow | grep -c STREAM | grep -x 2 &&
	timed exits_with 1 "^client: connect to echo-slow port $slow: no answer within 2 s\$" \
	    "$tmp/in-hosts" "$bin/client" -t 2 echo-slow $slow &&
	[ $ms -ge 1800 ] && [ $ms -lt 3300 ]
'
teardown 'stop $pid'

setup 'a server on 127.0.0.3, the port of the fake one on 127.0.0.2' '
	start server "$bin/server" -b 127.0.0.3 $slow
'
t ROOT 'the first address drops SYNs: the second still gets its share of -t' '
	hosts "127.0.0.2 echo-share\n127.0.0.3 echo-share\n" &&
	"$tmp/in-hosts" getent ahosts echo-share | head -n 1 | grep "^127\.0\.0\.2 " &&
	timed "$tmp/in-hosts" "$bin/client" -v -t 2 echo-share $slow >out &&
	grep "^127\.0\.0\.3 port $slow: connect" out && [ $ms -lt 1900 ]
'
# The server on 127.0.0.3 goes; the fake one on 127.0.0.2 stays.
stop $pid >/dev/null 2>&1

t 'a connect that gets no answer is not retried by -w' '
	timed exits_with 1 "connect to 127\.0\.0\.2 port $slow: no answer within 0\.5 s\$" \
	    "$bin/client" -w 5 -t 0.5 127.0.0.2 $slow &&
	[ $ms -lt 2500 ]
'
teardown 'stop $fake2'

# --- -4 -6 and -s through a name with both families

setup 'a server: server -b 127.0.0.1 0' '
	start server "$bin/server" -b 127.0.0.1 0
'
t ROOT 'a name with ::1 and 127.0.0.1, server on 127.0.0.1: -4 finds it, -6 not' '
	hosts "::1 echo-both\n127.0.0.1 echo-both\n" &&
	"$tmp/in-hosts" "$bin/client" -4 echo-both $port >/dev/null &&
	exits_with 1 "^client: no server is listening on echo-both port $port" \
	    "$tmp/in-hosts" "$bin/client" -6 echo-both $port
'
t ROOT '-s 127.0.0.1 to a name with ::1 first: only its IPv4 address is tried' '
	hosts "::1 echo-both\n127.0.0.1 echo-both\n" &&
	"$tmp/in-hosts" "$bin/client" -s 127.0.0.1 echo-both $port >/dev/null
'
teardown 'stop $pid'

setup 'a server: server -b ::1 0' '
	start server "$bin/server" -b ::1 0
'
t ROOT 'the same name, server on ::1: -6 finds it, -4 not' '
	hosts "::1 echo-both\n127.0.0.1 echo-both\n" &&
	"$tmp/in-hosts" "$bin/client" -6 echo-both $port >/dev/null &&
	exits_with 1 "^client: no server is listening on echo-both port $port" \
	    "$tmp/in-hosts" "$bin/client" -4 echo-both $port
'
teardown 'stop $pid'

# --- -w

t '-w: a server that starts 300 ms after the client is found' '
	free_port
	{ sleep 0.3; exec "$bin/server" -q -b 127.0.0.1 $port; } >late.out 2>&1 &
	late=$! pids="$pids $!"
	timed "$bin/client" -w 5 127.0.0.1 $port >out; st=$?
	stop $late >/dev/null
	[ $st -eq 0 ] && [ $ms -lt 4000 ] &&
	printf "Reply from server: \047s\047\n" >want && diff -u want out
'

t '-w tries again at least every 250 ms: a server up after 3 s is found by 4.5 s' '
	free_port
	{ sleep 3; exec "$bin/server" -q -b 127.0.0.1 $port; } >late.out 2>&1 &
	late=$! pids="$pids $!"
	timed "$bin/client" -w 10 127.0.0.1 $port >out; st=$?
	stop $late >/dev/null
	[ $st -eq 0 ] && [ $ms -lt 4500 ]
'

t '-w 0.5 and never a server: exit 1 after about 0.5 s, saying so' '
	timed exits_with 1 "^client: no server is listening on 127\.0\.0\.1 port $gone (connection refused), after waiting 0\.5 s\$" \
	    "$bin/client" -w 0.5 127.0.0.1 $gone &&
	[ $ms -ge 450 ] && [ $ms -lt 2500 ]
'

t '-w 0.5 and a name that never resolves: exit 1, saying it waited' '
	timed exits_with 1 "^client: resolve nosuch\.invalid: .*, after waiting 0\.5 s\$" \
	    "$bin/client" -w 0.5 nosuch.invalid 29008 &&
	[ $ms -lt 4000 ]
'

setup 'a server: server -b 127.0.0.1 0' '
	start server "$bin/server" -b 127.0.0.1 0
'
t ROOT '-w: a name that resolves only 300 ms later is found' '
	hosts "" &&
	{ sleep 0.3; echo "127.0.0.1 echo-late" >>"$tmp/hosts10"; } &
	w=$!
	"$tmp/in-hosts" "$bin/client" -w 5 echo-late $port >out; st=$?
	wait $w; [ $st -eq 0 ]
'
teardown 'stop $pid'

test_done
