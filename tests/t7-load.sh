#!/bin/sh
# Under load: many clients, hostile ones among them, nothing lost.
# SPDX-License-Identifier: Unlicense
. "$(dirname "$0")/lib.sh"

setup 'a server with -q -t 1, and how many descriptors it has open' '
	start server "$bin/server" -q -t 1 0 &&
	{ ! prereq_PROC || before=$(fds $pid); }
'

t '10,000 connections at concurrency 32: all right' '
	"$bin/tests/load" -c 32 -n 10000 -T 60 127.0.0.1 $port >load.out &&
	cat load.out && [ "$(field ok load.out)" -eq 10000 ] && alive $pid
'

t PROC 'after them, no descriptor leaked' '
	after=$(fds $pid) &&
	echo "descriptors before $before, after $after" &&
	[ "$before" -eq "$after" ]
'

t 'a mixed storm: every good client answered, server alive' '
	# Silent ones hold the server a second each (-t 1): only four of them;
	# slow ones take 0.3 s each.  The others last about as long as the
	# good clients, so that they arrive among them.
	"$bin/tests/load" -m silent -c 2 -n 4 -T 30 127.0.0.1 $port >storm.silent &
	storm=$!
	"$bin/tests/load" -m slow -c 2 -n 10 -d 300 -T 30 127.0.0.1 $port \
	    >storm.slow &
	storm="$storm $!"
	for m in close reset reset-after-send extra; do
		"$bin/tests/load" -m $m -c 2 -n 3000 -T 30 127.0.0.1 $port \
		    >storm.$m &
		storm="$storm $!"
	done
	"$bin/tests/load" -c 8 -n 5000 -T 30 127.0.0.1 $port >good.out
	good=$?
	for p in $storm; do wait $p; done
	cat good.out storm.*
	wrong=0
	for m in close reset reset-after-send extra slow; do
		wrong=$((wrong + $(field wrong storm.$m)))
	done
	[ $good -eq 0 ] && [ "$(field ok good.out)" -eq 5000 ] &&
	[ $wrong -eq 0 ] && alive $pid
'

# The loop serves one client at a time: a silent client holds it for -t
# (README, Limits); a supervisor (-i) is the answer, see t8.
t 'in the loop a silent client holds the next one about -t, no longer' '
	"$bin/tests/load" -m silent -n 1 -T 5 127.0.0.1 $port >silent.out &
	s=$! && sleep 0.2 &&
	"$bin/tests/load" -n 1 -T 5 127.0.0.1 $port >good.out
	good=$?
	wait $s
	cat good.out silent.out
	[ $good -eq 0 ] && [ "$(field max_us good.out)" -gt 500000 ] &&
	[ "$(field max_us good.out)" -lt 1500000 ]
'
teardown 'stop $pid'

setup 'a server with -q' '
	start server "$bin/server" -q 0
'

t 'SIGTERM in the middle of a load: exit 0 within a second, no wrong reply' '
	"$bin/tests/load" -c 16 -n 100000000 -T 3 127.0.0.1 $port >load.out &
	l=$! && sleep 1 && kill $pid &&
	i=0 && while [ $i -lt 30 ] && kill -0 $pid 2>/dev/null; do
		sleep 0.05; i=$((i + 1))
	done
	! kill -0 $pid 2>/dev/null && wait $pid && st=0 || st=1
	wait $l
	cat load.out
	[ $st -eq 0 ] && [ "$(field wrong load.out)" -eq 0 ] &&
	[ "$(field ok load.out)" -gt 0 ]
'

test_done
