#!/bin/sh
# The client as a ping for the whole path: -n checks one after another,
# -i between their starts, -D, a line per check, the summary, the status.
# SPDX-License-Identifier: Unlicense
. "$(dirname "$0")/lib.sh"

# A passed check's line, and a failed one's start; $port set by start.
pass_line='^check [0-9]+: .s. from 127\.0\.0\.1 port [0-9]+: connect [0-9]+\.[0-9]{3} ms, reply [0-9]+\.[0-9]{3} ms$'

# counts N PASSED FILE: the summary's second line says N checks, PASSED
# passed, the rest failed, and their percentage as ping gives it (%g).
counts() {
	nfailed=$(($1 - $2))
	pct=$(awk -v f=$nfailed -v n=$1 'BEGIN { printf "%g", 100 * f / n }')
	grep -E "^$1 checks, $2 passed, $nfailed failed \($pct%\), [0-9]+\.[0-9]{3} s\$" "$3"
}

# elapsed FILE: the seconds the summary says the run took.
elapsed() {
	sed -n 's/^[0-9]* checks, .*, \([0-9.]*\) s$/\1/p' "$1"
}

# stats WHAT FILE: the summary's min/avg/max/mdev of WHAT (connect or
# reply) are those of the times in the lines: min and max exactly, the
# mean and the standard deviation within the lines' rounding.
stats() {
	awk -v what="$1" '
	$1 == "check" && $0 ~ / from / {
		for (i = 1; i < NF; i++)
			if ($i == what) { v = $(i + 1) + 0 }
		n++; sum += v; sq += v * v
		if (n == 1 || v < min) min = v
		if (n == 1 || v > max) max = v
	}
	$1 == what && $2 == "min/avg/max/mdev" { split($4, s, "/"); got = 1 }
	END {
		if (!got || n == 0) { print "no summary of " what " or no lines"; exit 1 }
		mean = sum / n; var = sq / n - mean * mean
		dev = var > 0 ? sqrt(var) : 0
		ok = s[1] + 0 == min && s[3] + 0 == max &&
		    s[2] - mean < 0.002 && mean - s[2] < 0.002 &&
		    s[4] - dev < 0.002 && dev - s[4] < 0.002
		if (!ok) {
			printf "%s: summary %s, lines min %.3f avg %.4f max %.3f mdev %.4f\n",
			    what, $0, min, mean, max, dev
			exit 1
		}
	}' "$2"
}

# catching PID: wait up to 5 s for PID to catch SIGINT (its handler set):
# SigCgt in /proc/PID/status has the bit of signal 2, 0x2, set.
catching() {
	i=0
	while [ $i -lt 100 ]; do
		grep -q "^SigCgt:.*[2367abef]\$" "/proc/$1/status" 2>/dev/null &&
		    return 0
		sleep 0.05
		i=$((i + 1))
	done
	echo "process $1 does not catch SIGINT after 5 s"
	return 1
}

setup 'a port where nothing listens' '
	start server "$bin/server" 0 &&
	gone=$port &&
	stop $pid >/dev/null
'

setup 'a server on port 0' '
	start server "$bin/server" -q 0 &&
	srv=$pid
'
t '-n 3: a line per check, in order, then the summary; exit 0' '
	"$bin/client" -n 3 -i 0.01 127.0.0.1 $port >out 2>err &&
	[ ! -s err ] && [ $(wc -l <out) -eq 7 ] &&
	head -n 3 out | grep -Ec "$pass_line" | grep -x 3 &&
	head -n 3 out | cut -d: -f1 >got && printf "check %s\n" 1 2 3 >want &&
	diff -u want got &&
	sed -n 4p out | grep -x -- "--- 127\.0\.0\.1 port $port ---" &&
	counts 3 3 out &&
	sed -n 6p out | grep -E "^connect min/avg/max/mdev = [0-9]+\.[0-9]{3}/[0-9]+\.[0-9]{3}/[0-9]+\.[0-9]{3}/[0-9]+\.[0-9]{3} ms\$" &&
	sed -n 7p out | grep -E "^reply min/avg/max/mdev = [0-9]+\.[0-9]{3}/[0-9]+\.[0-9]{3}/[0-9]+\.[0-9]{3}/[0-9]+\.[0-9]{3} ms\$"
'

t 'the summary'"'"'s min/avg/max/mdev are those of the lines'"'"' times' '
	"$bin/client" -n 30 -i 0 127.0.0.1 $port >out &&
	counts 30 30 out && stats connect out && stats reply out
'

t 'one check: min, avg and max the same, mdev 0' '
	"$bin/client" -n 1 127.0.0.1 $port >out &&
	counts 1 1 out &&
	grep -E "^connect min/avg/max/mdev = ([0-9.]+)/\1/\1/0\.000 ms\$" out &&
	grep -E "^reply min/avg/max/mdev = ([0-9.]+)/\1/\1/0\.000 ms\$" out
'

t '-n 1 -i 5: no pause after the last check' '
	s0=$(date +%s%N) && "$bin/client" -n 1 -i 5 127.0.0.1 $port >out &&
	ms=$(( ($(date +%s%N) - s0) / 1000000 )) && echo "took $ms ms" &&
	[ $ms -lt 4000 ] && counts 1 1 out
'

t '-q -n: the summary alone' '
	"$bin/client" -q -n 3 -i 0 127.0.0.1 $port >out 2>err &&
	[ ! -s err ] && [ $(wc -l <out) -eq 4 ] &&
	head -n 1 out | grep -x -- "--- 127\.0\.0\.1 port $port ---" &&
	counts 3 3 out && grep "^connect min" out && grep "^reply min" out
'

t '-n 2 without -i: a second between their starts, as ping' '
	"$bin/client" -q -n 2 127.0.0.1 $port >out &&
	e=$(elapsed out) && echo "$e s" &&
	awk -v e="$e" "BEGIN { exit !(e >= 0.95) }" && counts 2 2 out
'

t '-v -n: the same lines, -v adds nothing to them' '
	"$bin/client" -v -n 2 -i 0 127.0.0.1 $port >out &&
	[ $(wc -l <out) -eq 6 ] && head -n 2 out | grep -Ec "$pass_line" | grep -x 2
'

t '-D: each line starts with the time of day, [seconds.microseconds]' '
	before=$(date +%s) &&
	"$bin/client" -D -n 2 -i 0 127.0.0.1 $port >out &&
	after=$(date +%s) &&
	head -n 2 out | sed "s/^\[[0-9]*\.[0-9]\{6\}\] //" | grep -Ec "$pass_line" | grep -x 2 &&
	head -n 2 out | sed -n "s/^\[\([0-9]*\)\.[0-9]\{6\}\] check [12]: .*/\1/p" >stamps &&
	[ $(wc -l <stamps) -eq 2 ] &&
	awk -v b="$before" -v a="$after" "\$1 < b || \$1 > a { bad = 1 } END { exit bad }" stamps &&
	sed -n 3p out | grep -x -- "--- 127\.0\.0\.1 port $port ---"
'

t 'without -n: one check, its output as before' '
	"$bin/client" 127.0.0.1 $port >out 2>err &&
	printf "Reply from server: \047s\047\n" >want && diff -u want out &&
	[ ! -s err ] &&
	exits_with 1 "^client: no server is listening on 127\.0\.0\.1 port $gone (connection refused)\$" \
	    "$bin/client" 127.0.0.1 $gone && [ ! -s cmd.out ]
'

# --- signals

t '-n 0: until SIGINT, then the summary; exit 0 when all passed' '
	: >ping.out && start_bg ping "$bin/client" -n 0 -i 0.05 127.0.0.1 $port &&
	wait_lines ping.out 3 &&
	stop $pid INT; st=$?
	cat ping.out && [ $st -eq 0 ] &&
	k=$(grep -c "^check " ping.out) && [ $k -ge 3 ] &&
	grep -Ec "$pass_line" ping.out | grep -x $k &&
	counts $k $k ping.out && grep "^reply min" ping.out
'

t '-n 0: SIGTERM too, then the summary' '
	: >ping.out && start_bg ping "$bin/client" -n 0 -i 0.05 127.0.0.1 $port &&
	wait_lines ping.out 2 &&
	stop $pid TERM; st=$?
	cat ping.out && [ $st -eq 0 ] &&
	k=$(grep -c "^check " ping.out) && counts $k $k ping.out
'

t 'SIGINT during a long -i ends the pause at once' '
	: >ping.out && start_bg ping "$bin/client" -n 3 -i 30 127.0.0.1 $port &&
	wait_lines ping.out 1 &&
	s0=$(date +%s%N) && stop $pid INT; st=$?
	ms=$(( ($(date +%s%N) - s0) / 1000000 )); echo "took $ms ms"
	cat ping.out && [ $st -eq 0 ] && [ $ms -lt 4000 ] && counts 1 1 ping.out
'

t PROC 'SIGINT while -w waits for the first check: the run ends, exit 1' '
	: >ping.out && start_bg ping "$bin/client" -w 60 -n 0 127.0.0.1 $gone &&
	catching $pid && s0=$(date +%s%N) && stop $pid INT; st=$?
	ms=$(( ($(date +%s%N) - s0) / 1000000 )); echo "took $ms ms"
	cat ping.out && [ $st -eq 1 ] && [ $ms -lt 4000 ] &&
	grep -x "check 1: no server is listening on 127\.0\.0\.1 port $gone (connection refused)" ping.out &&
	counts 1 0 ping.out
'

t 'SIGINT after failed checks: the summary, exit 1' '
	: >ping.out && start_bg ping "$bin/client" -n 0 -i 0.05 127.0.0.1 $gone &&
	wait_lines ping.out 2 &&
	stop $pid INT; st=$?
	cat ping.out && [ $st -eq 1 ] &&
	k=$(grep -c "^check [0-9]*: no server is listening on 127\.0\.0\.1 port $gone (connection refused)\$" ping.out) &&
	counts $k 0 ping.out && ! grep "min/avg" ping.out
'
teardown 'stop $srv'

# --- failures within a run

t 'a server that stops halfway: its checks fail, the run goes on; exit 1' '
	start server "$bin/server" -q -b 127.0.0.1 0 &&
	srv=$pid &&
	: >ping.out && start_bg ping "$bin/client" -w 5 -n 10 -i 0.2 127.0.0.1 $port &&
	wait_lines ping.out 3 &&
	stop $srv >/dev/null
	s0=$(date +%s%N)
	exit_of $pid 10; st=$?
	ms=$(( ($(date +%s%N) - s0) / 1000000 )); echo "took $ms ms"
	cat ping.out && [ $st -eq 1 ] && [ $ms -lt 4000 ] &&
	[ $(grep -c "^check " ping.out) -eq 10 ] &&
	p=$(grep -Ec "$pass_line" ping.out) && [ $p -ge 3 ] && [ $p -lt 10 ] &&
	grep "^check [0-9]*: no server is listening on 127\.0\.0\.1 port $port (connection refused)\$" ping.out |
	    wc -l | grep -x $((10 - p)) &&
	counts 10 $p ping.out && stats connect ping.out && stats reply ping.out
'

t '-w -n: a server up 300 ms late is waited for before the first check' '
	free_port
	{ sleep 0.3; exec "$bin/server" -q -b 127.0.0.1 $port; } >late.out 2>&1 &
	late=$! pids="$pids $!"
	"$bin/client" -w 5 -n 2 -i 0 127.0.0.1 $port >out; st=$?
	stop $late >/dev/null
	cat out && [ $st -eq 0 ] && counts 2 2 out
'

t '-w -n: none there, the first check says it waited; the next do not wait' '
	s0=$(date +%s%N)
	"$bin/client" -w 0.5 -n 3 -i 0 127.0.0.1 $gone >out; st=$?
	ms=$(( ($(date +%s%N) - s0) / 1000000 )); echo "took $ms ms"
	cat out && [ $st -eq 1 ] && [ $ms -ge 450 ] && [ $ms -lt 2500 ] &&
	grep -x "check 1: no server is listening on 127\.0\.0\.1 port $gone (connection refused), after waiting 0\.5 s" out &&
	grep -x "check 2: no server is listening on 127\.0\.0\.1 port $gone (connection refused)" out &&
	grep -x "check 3: no server is listening on 127\.0\.0\.1 port $gone (connection refused)" out &&
	counts 3 0 out
'

# fails MODE PATTERN: against fake -m MODE, two checks fail with PATTERN.
fails() {
	"$bin/client" -n 2 -i 0 -t 0.3 127.0.0.1 $port >out 2>err; st=$?
	cat out err
	[ $st -eq 1 ] && [ ! -s err ] &&
	[ $(grep -c "^check [12]: $2\$" out) -eq 2 ] &&
	counts 2 0 out && ! grep "min/avg" out
}

setup 'tests/fake -m wrong' '
	start fake "$bin/tests/fake" -m wrong
'
t 'a wrong reply within a run: said as one check says it, exit 1' '
	fails wrong "wrong reply .t. from 127\.0\.0\.1 port $port: expected .s."
'

t '-q -n and wrong replies: the summary alone, exit 1' '
	"$bin/client" -q -n 2 -i 0 127.0.0.1 $port >out 2>err; st=$?
	cat out err && [ $st -eq 1 ] && [ ! -s err ] &&
	[ $(wc -l <out) -eq 2 ] && counts 2 0 out
'
teardown 'stop $pid'

setup 'tests/fake -m silent' '
	start fake "$bin/tests/fake" -m silent
'
t 'a silent server within a run: no reply within -t, exit 1' '
	fails silent "no reply from 127\.0\.0\.1 port $port within 0\.3 s"
'

t '-D: the time of day when the check ended, after its -t' '
	s0=$(date +%s%N) &&
	{ "$bin/client" -D -n 1 -t 0.5 127.0.0.1 $port >out; [ $? -eq 1 ]; } &&
	cat out &&
	sed -n "s/^\[\([0-9]*\)\.\([0-9]\{6\}\)\] check 1: no reply .*/\1\2/p" out >stamp &&
	[ -s stamp ] && ms=$(( ($(cat stamp) - s0 / 1000) / 1000 )) &&
	echo "line stamped $ms ms after the start" && [ $ms -ge 450 ]
'
teardown 'stop $pid'

setup 'tests/fake -m close' '
	start fake "$bin/tests/fake" -m close
'
t 'a close without a reply within a run: said so, exit 1' '
	fails close "127\.0\.0\.1 port $port closed the connection without replying"
'
teardown 'stop $pid'

setup 'tests/fake -m banner' '
	start fake "$bin/tests/fake" -m banner
'
t 'a server that sends more than one byte: its bytes shown, exit 1' '
	fails banner "127\.0\.0\.1 port $port sent more than one byte: \"SSH-2\.0-OpenSSH_\"\.\.\. (not a one-byte echo server)"
'
teardown 'stop $pid'

setup 'tests/fake -m two' '
	start fake "$bin/tests/fake" -m two
'
t 'the right byte, then one more: both shown, exit 1' '
	fails two "127\.0\.0\.1 port $port sent more than one byte: \"ss\" (not a one-byte echo server)"
'
teardown 'stop $pid'

setup 'tests/fake -m hold' '
	start fake "$bin/tests/fake" -m hold
'
t 'the byte, then the connection held open: said so, exit 1' '
	fails hold "127\.0\.0\.1 port $port sent .s. but did not close the connection within 0\.3 s"
'
teardown 'stop $pid'

setup 'tests/fake -m reset' '
	start fake "$bin/tests/fake" -m reset
'
t 'a reset after the byte: the read error, exit 1' '
	fails reset "read from 127\.0\.0\.1 port $port: Connection reset by peer"
'

t '-q -n with failures: the summary alone, exit 1' '
	"$bin/client" -q -n 2 -i 0 127.0.0.1 $port >out 2>err; st=$?
	cat out err && [ $st -eq 1 ] && [ ! -s err ] &&
	[ $(wc -l <out) -eq 2 ] && counts 2 0 out &&
	"$bin/client" -q -n 2 -i 0 127.0.0.1 $gone >out 2>err; st=$?
	cat out err && [ $st -eq 1 ] && [ ! -s err ] &&
	[ $(wc -l <out) -eq 2 ] && counts 2 0 out
'

t 'every check closes its socket: 30 failed reads under ulimit -n 16' '
	(ulimit -n 16 && exec "$bin/client" -n 30 -i 0 -t 2 127.0.0.1 $port) >out; st=$?
	[ $st -eq 1 ] &&
	[ $(grep -c "^check [0-9]*: read from 127\.0\.0\.1 port $port: " out) -eq 30 ] &&
	counts 30 0 out
'
teardown 'stop $pid'

# --- the schedule

setup 'server -q 0' '
	start server "$bin/server" -q 0
'
t '-i 0.05: 20 checks take at least 19 intervals' '
	"$bin/client" -q -n 20 -i 0.05 127.0.0.1 $port >out &&
	e=$(elapsed out) && echo "$e s" &&
	awk -v e="$e" "BEGIN { exit !(e >= 0.95) }" && counts 20 20 out
'

t '-i 0 runs the checks back to back' '
	"$bin/client" -q -n 50 -i 0 127.0.0.1 $port >out &&
	e=$(elapsed out) && echo "$e s" &&
	awk -v e="$e" "BEGIN { exit !(e < 4) }" && counts 50 50 out
'
teardown 'stop $pid'

setup 'tests/fake -m silent' '
	start fake "$bin/tests/fake" -m silent
'
t 'checks of 0.15 s at -i 0.2: started 0.2 s apart, the check not added' '
	"$bin/client" -q -n 6 -i 0.2 -t 0.15 127.0.0.1 $port >out; st=$?
	e=$(elapsed out) && echo "$e s" && [ $st -eq 1 ] &&
	awk -v e="$e" "BEGIN { exit !(e >= 1.1 && e < 1.9) }" && counts 6 0 out
'

t 'checks longer than -i: the next starts when the last ends, never before' '
	"$bin/client" -D -n 4 -i 0.05 -t 0.2 127.0.0.1 $port >out; st=$?
	cat out && [ $st -eq 1 ] &&
	sed -n "s/^\[\([0-9.]*\)\] check .*/\1/p" out |
	    awk "NR > 1 && \$1 - last < 0.18 { bad = 1 } { last = \$1 } END { exit bad }" &&
	e=$(elapsed out) && awk -v e="$e" "BEGIN { exit !(e >= 0.75) }"
'
teardown 'stop $pid'

t '-w -n: after a first check 0.5 s long, one at once, then -i apart again' '
	free_port
	{ sleep 0.5; exec "$bin/server" -q -b 127.0.0.1 $port; } >late.out 2>&1 &
	late=$! pids="$pids $!"
	"$bin/client" -D -w 5 -n 4 -i 0.2 127.0.0.1 $port >out; st=$?
	stop $late >/dev/null
	cat out && [ $st -eq 0 ] && counts 4 4 out &&
	sed -n "s/^\[\([0-9.]*\)\] check .*/\1/p" out |
	    awk "NR > 2 && \$1 - last < 0.15 { bad = 1 } { last = \$1 } END { exit bad || NR != 4 }"
'

# --- arguments

while read -r line; do
	t "client $line: usage, exit 2" "
		eval \"set -- \$line\" && usage_error \"\$bin/client\" \"\$@\"
	"
done <<'EOF_ARGS'
-n -1
-n x
-n ''
-n ' 1'
-n 1.5
-n 2147483648
-n
-n 1 -i -1
-n 1 -i x
-n 1 -i ''
-n 1 -i .
-n 1 -i 0..0
-n 1 -i 0.0.
-n 1 -i 0.0001
-n 1 -i 86400.5
-n 1 -i 1e3
-i 1
-i 0
-D
EOF_ARGS

t 'a bad -n or -i: the value in the message; -D and -i without -n: said so' '
	exits_with 2 "^client: invalid count .x.\$" "$bin/client" -n x &&
	exits_with 2 "^client: invalid interval .-1.\$" "$bin/client" -n 1 -i -1 &&
	exits_with 2 "^client: -D and -i go with -n\$" "$bin/client" -i 1 &&
	exits_with 2 "^client: -D and -i go with -n\$" "$bin/client" -D
'

t '-i takes 0 as 0, 0.0, .0 and 0.; and 0.001 to 86400' '
	bad=0
	for a in 0 0.0 .0 0. 00 0.001 86400; do
		timeout 10 "$bin/client" -q -n 1 -i $a 127.0.0.1 $gone >/dev/null 2>&1
		[ $? -eq 1 ] || { echo "-i $a refused"; bad=1; }
	done
	[ $bad -eq 0 ]
'

test_done
