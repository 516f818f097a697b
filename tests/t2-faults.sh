#!/bin/sh
# Clients that misbehave: silent, gone early, reset.  The server lives on.
# SPDX-License-Identifier: Unlicense
. "$(dirname "$0")/lib.sh"

setup 'a server with -t 1' '
	start server "$bin/server" -t 1 0
'

t 'a silent client is dropped by the server after the timeout' '
	"$bin/tests/load" -m silent -n 1 -T 4 127.0.0.1 $port &&
	wait_line server.out "^127\.0\.0\.1 port [0-9]*: timed out\$"
'

t 'a client behind a silent one is answered within the timeout' '
	"$bin/tests/load" -m silent -n 1 -T 8 127.0.0.1 $port >silent.out &
	s=$! &&
	sleep 2 &&	# the server now holds the silent client in read
	"$bin/client" -t 3 127.0.0.1 $port && wait $s
'

t 'a client that sends a buffer full and holds on: answered, then let go' '
	# The lingering close waits for its EOF, but only for the timeout (1 s):
	# the held client keeps its side open 4 s, the next one gives up at 2.5.
	"$bin/tests/load" -m hold -s 2000 -d 4000 -n 1 -T 10 127.0.0.1 $port \
	    >held.out &
	h=$! &&
	sleep 0.3 && "$bin/client" -t 2 127.0.0.1 $port; st=$?
	wait $h && [ $st -eq 0 ]; st=$?
	cat held.out; [ $st -eq 0 ]
'

t 'a client that stays connected after its reply does not hold the server' '
	# It sent one byte, not a buffer full: no lingering close for it.
	"$bin/tests/load" -m hold -s 0 -d 2000 -n 1 -T 10 127.0.0.1 $port \
	    >stay.out &
	h=$! && sleep 0.3 &&
	"$bin/tests/load" -n 1 -T 5 127.0.0.1 $port >good.out; st=$?
	wait $h || st=1
	cat good.out stay.out
	[ $st -eq 0 ] && [ "$(field max_us good.out)" -lt 500000 ]
'

t 'after a buffer full, the server closes its side at once after the reply' '
	# The lingering close sends its FIN first: a client that waits for the
	# server to close before it closes is not kept waiting for -t.
	"$bin/tests/load" -m full -n 3 -T 5 127.0.0.1 $port >full.out; st=$?
	cat full.out
	[ $st -eq 0 ] && [ "$(field max_us full.out)" -lt 300000 ]
'

t 'a slow client that sends within the timeout is answered' '
	"$bin/tests/load" -m slow -d 500 -c 2 -n 4 -T 10 127.0.0.1 $port
'

t 'clients that close at once leave the server serving' '
	"$bin/tests/load" -m close -c 4 -n 200 -T 10 127.0.0.1 $port &&
	"$bin/client" 127.0.0.1 $port && alive $pid
'

t 'clients that reset at once leave the server serving' '
	"$bin/tests/load" -m reset -c 4 -n 200 -T 10 127.0.0.1 $port &&
	"$bin/client" 127.0.0.1 $port && alive $pid
'

t 'clients that send and reset before the reply leave it serving' '
	"$bin/tests/load" -m reset-after-send -c 4 -n 200 -T 10 127.0.0.1 $port &&
	"$bin/client" 127.0.0.1 $port && alive $pid
'

t 'the server logs a client that closed without sending' '
	wait_line server.out "^127\.0\.0\.1 port [0-9]*: closed without sending\$"
'

t 'after all that, SIGTERM still stops the server with status 0' '
	stop $pid
'

test_done
