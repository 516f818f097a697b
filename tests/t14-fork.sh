#!/bin/sh
# -c N: a process per client (fork after accept), N at most at once;
# children reaped, the log one whole line per connection, SIGTERM waits.
# SPDX-License-Identifier: Unlicense
. "$(dirname "$0")/lib.sh"

# children PID: the children of PID, one "PID STATE" line each (state Z:
# a zombie, exited and not yet reaped).  From /proc/*/stat: "PID (NAME)
# STATE PPID ...", where NAME may hold spaces.
children() {
	cat /proc/[0-9]*/stat 2>/dev/null |
	    sed -n 's/^\([0-9]*\) .*) \(.\) \([0-9]*\) .*/\1 \2 \3/p' |
	    awk -v p="$1" '$3 == p { print $1, $2 }'
}

# childless PID SECONDS: wait up to SECONDS (whole) until PID has no
# child, zombie or not; else name those left.
childless() {
	i=0
	while [ $i -lt $(($2 * 20)) ] && [ -n "$(children "$1")" ]; do
		sleep 0.05
		i=$((i + 1))
	done
	[ -z "$(children "$1")" ] && return 0
	echo "children of $1 after $2 s:"
	children "$1"
	return 1
}

while read -r line; do
	t "server $line: usage, exit 2" "
		eval \"set -- \$line\" && usage_error \"\$bin/server\" \"\$@\"
	"
done <<'EOF_ARGS'
-c 0
-c 1025
-c -1
-c x
-c ''
-c ' 2'
-c 2x
-c 0x10
-c
-i -c 2
-i -c 1
-c 2 -i
EOF_ARGS

t '-c names what it needs, and what it got wrong' '
	exits_with 2 "^server: missing argument to .-c.\$" "$bin/server" -c &&
	exits_with 2 "^server: invalid number of clients .1025.\$" \
	    "$bin/server" -c 1025
'

t '-c 1024, the largest, serves' '
	start big "$bin/server" -q -c 1024 -b 127.0.0.1 0 &&
	"$bin/client" -t 2 127.0.0.1 $port && stop $pid
'

# -c 1 is the loop, the default: no process of its own for a client.
setup 'server -c 1 -t 1 0' '
	start server "$bin/server" -c 1 -t 1 0
'

t PROC '-c 1 is the loop: no child, and a silent client holds the next one' '
	"$bin/tests/load" -m silent -n 1 -T 5 127.0.0.1 $port >silent.out &
	s=$! && sleep 0.3 && kids=$(children $pid) &&
	"$bin/tests/load" -n 1 -T 5 127.0.0.1 $port >good.out
	good=$?
	wait $s
	cat good.out silent.out
	echo "children: ${kids:-none}"
	[ $good -eq 0 ] && [ -z "$kids" ] &&
	[ "$(field max_us good.out)" -gt 500000 ]
'
teardown 'stop $pid'

# The default -t 5: in the loop, 20 silent clients would hold a good
# one about 100 s.
setup 'server -c 64 0' '
	start server "$bin/server" -c 64 0
'

t PROC '-c 64: 20 silent clients held, 200 good ones answered meanwhile' '
	"$bin/tests/load" -m silent -c 20 -n 20 -T 20 127.0.0.1 $port \
	    >silent.out &
	s=$! && sleep 0.5 &&
	"$bin/tests/load" -c 4 -n 200 -T 20 127.0.0.1 $port >good.out
	good=$?
	held=$(children $pid | wc -l)
	wait $s
	cat good.out silent.out
	echo "$held children after the good clients"
	[ $good -eq 0 ] && [ "$(field ok good.out)" -eq 200 ] &&
	[ "$(field max_us good.out)" -lt 2000000 ] && [ "$held" -ge 20 ] &&
	[ "$(field ok silent.out)" -eq 20 ]
'

t 'each child logged its line: 20 timed out, 200 answered' '
	stop $pid >/dev/null &&
	[ "$(grep -c "^127\.0\.0\.1 port [0-9]*: timed out\$" server.out)" -eq 20 ] &&
	[ "$(grep -c "^127\.0\.0\.1 port [0-9]*: .* -> " server.out)" -eq 200 ]
'

# The cap.  A comes at 0 and is dropped at 3 s; B comes at 2 s, so two
# children are busy when C comes at 2.2 s: C waits in the backlog until
# A's child exits (at 3 s), not B's (at 5 s).
setup 'server -c 2 -t 3 0' '
	start server "$bin/server" -c 2 -t 3 0
'

# cpu PID: the clock ticks PID has run, user and system.
cpu() {
	sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

t PROC '-c 2: two silent clients hold two children; the next waits for one' '
	ticks=$(cpu $pid)
	"$bin/tests/load" -m silent -n 1 -T 10 127.0.0.1 $port >a.out &
	a=$!
	sleep 2
	"$bin/tests/load" -m silent -n 1 -T 10 127.0.0.1 $port >b.out &
	b=$!
	sleep 0.2
	"$bin/tests/load" -n 1 -T 10 127.0.0.1 $port >c.out &
	c=$!
	sleep 0.3
	held=$(children $pid | wc -l)
	wait $c
	good=$?
	wait $a
	wait $b
	cat a.out b.out c.out
	ticks=$(($(cpu $pid) - ticks))
	echo "$held children while C waited; the server ran $ticks ticks"
	# At the cap it waits in waitpid: it does not spin.
	[ $good -eq 0 ] && [ "$held" -eq 2 ] && [ "$ticks" -lt 30 ] &&
	[ "$(field max_us c.out)" -gt 400000 ] &&
	[ "$(field max_us c.out)" -lt 2000000 ]
'
teardown 'stop $pid'

setup 'server -c 4 -t 2 0' '
	start server "$bin/server" -c 4 -t 2 0
'

t PROC 'a child holds its connection, not the listening socket' '
	"$bin/tests/load" -m silent -n 1 -T 10 127.0.0.1 $port >held.out &
	h=$! && sleep 0.3 &&
	kid=$(children $pid | cut -d" " -f1) && [ -n "$kid" ] &&
	listener=$(readlink /proc/$pid/fd/3) && echo "listener: $listener" &&
	ls -l /proc/$kid/fd >kid.fds && cat kid.fds &&
	grep -q "socket:" kid.fds && ! grep -qF "$listener" kid.fds
	st=$?
	wait $h
	[ $st -eq 0 ]
'
teardown 'stop $pid'

# SIGTERM at the cap: the server waits in waitpid, and must still stop.
setup 'server -c 3 -t 2 0' '
	start server "$bin/server" -c 3 -t 2 0
'

t PROC 'SIGTERM with 3 busy children at -c 3: refused at once, they finish, exit 0' '
	"$bin/tests/load" -m silent -c 3 -n 3 -T 10 127.0.0.1 $port >held.out &
	h=$! && sleep 0.5 && kids=$(children $pid | cut -d" " -f1) &&
	echo "children:" $kids && [ $(echo $kids | wc -w) -eq 3 ] &&
	kill $pid && sleep 0.3 &&
	{ ! "$bin/client" -t 1 127.0.0.1 $port 2>refused.err; } &&
	cat refused.err && grep -q "refused" refused.err &&
	alive $pid && exit_of $pid 5
	st=$?
	wait $h
	cat held.out server.out server.err
	left=
	for k in $kids; do
		kill -0 $k 2>/dev/null && left="$left $k"
	done
	echo "exit $st; children left:${left:- none}"
	[ $st -eq 0 ] && [ -z "$left" ] && [ "$(field ok held.out)" -eq 3 ] &&
	[ "$(grep -c "timed out\$" server.out)" -eq 3 ]
'

setup 'server -q -c 4 0' '
	start quiet "$bin/server" -q -c 4 0
'

t '-q -c 4: the children log nothing' '
	"$bin/tests/load" -c 4 -n 20 -T 10 127.0.0.1 $port >load.out &&
	stop $pid && cat quiet.out && [ "$(wc -l <quiet.out)" -eq 1 ]
'

# A long -t, so that the listening socket's timeout cannot be what
# wakes the server to reap: SIGCHLD must.
setup 'server -c 64 -t 30 0' '
	start server "$bin/server" -c 64 -t 30 0
'

setup PROC 'the descriptor count before' '
	before=$(fds $pid)
'

t '-c 64: 10,000 connections at concurrency 32, all right' '
	"$bin/tests/load" -c 32 -n 10000 -T 120 127.0.0.1 $port >load.out &&
	cat load.out && [ "$(field ok load.out)" -eq 10000 ] && alive $pid
'

t PROC 'after them, every child reaped within 2 s, no descriptor leaked' '
	childless $pid 2 && after=$(fds $pid) &&
	echo "descriptors before $before, after $after" &&
	[ "$before" -eq "$after" ]
'

# A connection's line, whole: the client, its byte, the reply.
line_re="^127\\.0\\.0\\.1 port [0-9]+: ('.'|[\\]x[0-9a-f]{2}) -> ('.'|[\\]x[0-9a-f]{2})\$"

t 'one whole line per connection in the log, none merged or cut' '
	stop $pid && wc -l <server.out &&
	[ "$(wc -l <server.out)" -eq 10001 ] &&
	[ "$(grep -cE "$line_re" server.out)" -eq 10000 ]
'

# written_and_dropped N: the lines in "rest" and the counts of dropped
# lines add up to N connections, and some were dropped.
written_and_dropped() {
	lines=$(grep -c "^127\.0\.0\.1 port " "$tmp/rest")
	dropped=$(sed -n "s/^server: \([0-9]*\) log lines dropped (they could not be written)\$/\1/p" \
	    "$tmp/rest" | awk "{ n += \$1 } END { print n + 0 }")
	echo "$lines lines written, $dropped dropped"
	sed -n "/^127\.0\.0\.1 port /!p" "$tmp/rest"
	[ "$dropped" -gt 0 ] && [ $((lines + dropped)) -eq "$1" ]
}

# The log into a pipe that stalls (stalled_log, in lib.sh).
setup 'a server logging into a pipe that stalls' '
	stalled_log "$bin/server" -c 8 -t 2 0
'

t 'a stalled log: each line either written or counted as dropped, once' '
	wait_line first "listening on" && port=$(port_of first) &&
	"$bin/tests/load" -c 8 -n 3000 -T 60 127.0.0.1 $port >load.out &&
	# Read again: a new line, then the count, before the server exits.
	touch go && sleep 0.5 && "$bin/client" 127.0.0.1 $port &&
	wait_line rest "^server: [0-9]* log lines dropped" &&
	stop $pid && wait $reader && written_and_dropped 3001
'

# The same, and no client after the pipe is read again: the count comes
# at exit.
setup 'again a server logging into a pipe that stalls' '
	stalled_log "$bin/server" -c 8 -t 2 0
'

t 'a stalled log and no client after: the count is written at exit' '
	wait_line first "listening on" && port=$(port_of first) &&
	"$bin/tests/load" -c 8 -n 3000 -T 60 127.0.0.1 $port >load.out &&
	sleep 0.3 && touch go && sleep 0.5 && stop $pid && wait $reader &&
	tail -n 1 rest | grep "^server: [0-9]* log lines dropped" &&
	written_and_dropped 3000
'

# fork fails when a user has as many processes as its RLIMIT_NPROC:
# the server runs as a user of its own (root is not held by the limit),
# limited to 2 processes, itself and one child: with a silent client in
# that child, fork fails, and the server serves the next ones itself.
# The user is this run's own (a uid from the shell's pid): the limit
# counts every process of the uid, a concurrent run's too.
# That user may not reach $bin (under make mutants, a private directory):
# it runs a copy in a directory of its own.
t ROOT,PROC,prlimit,setpriv 'fork fails: served in the loop, said once each time it starts failing' '
	free_port &&
	nd=$(mktemp -d /tmp/onebyte-nproc.XXXXXX) && chmod 755 "$nd" &&
	cp "$bin/server" "$nd/" &&
	uid=$((60000 + $$ % 5000)) &&
	{ setpriv --reuid=$uid --regid=$uid --clear-groups \
	    prlimit --nproc=2: "$nd/server" -c 4 -t 1 -b 127.0.0.1 $port \
	    >nproc.out 2>nproc.err & } &&
	s=$! && pids="$pids $s" && answers $port && childless $s 2 &&
	rounds=0 &&
	for round in 1 2; do
		"$bin/tests/load" -m silent -n 1 -T 5 127.0.0.1 $port >held.out &
		h=$!
		sleep 0.3
		"$bin/tests/load" -n 10 -T 10 127.0.0.1 $port >load.out
		st=$?
		wait $h
		cat load.out && [ $st -eq 0 ] && childless $s 2 &&
		[ "$(grep -c "^server: fork: " nproc.err)" -eq $round ] &&
		"$bin/client" -t 2 127.0.0.1 $port && childless $s 2 &&
		rounds=$round || break
	done
	cat nproc.err && stop $s && [ $rounds -eq 2 ] &&
	grep -q "^server: fork: .*: serving clients one at a time until it works again\$" nproc.err &&
	[ "$(grep -c "^server: fork: " nproc.err)" -eq 2 ] &&
	[ "$(grep -c " -> " nproc.out)" -ge 23 ]
	st=$?
	rm -rf "$nd"
	[ $st -eq 0 ]
'

test_done
