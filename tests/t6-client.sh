#!/bin/sh
# The client's failures: exit 1 and one clear line on stderr.
# SPDX-License-Identifier: Unlicense
. "$(dirname "$0")/lib.sh"

setup 'a port that a server had, and has no more' '
	start server "$bin/server" 0 && gone=$port && stop $pid
'

t 'no server there: exit 1, saying no server is listening' '
	exits_with 1 "no server is listening on 127\.0\.0\.1 port $gone" \
	    "$bin/client" 127.0.0.1 $gone
'

t 'a name that does not resolve: exit 1, naming it' '
	exits_with 1 "^client: resolve nosuch\.invalid: " \
	    "$bin/client" nosuch.invalid 29008
'

setup 'a fake server that closes without replying' '
	start fake "$bin/tests/fake" -m close
'
t 'the server closes without replying: exit 1, saying so' '
	exits_with 1 "closed the connection without replying" \
	    "$bin/client" -t 2 127.0.0.1 $port
'
teardown 'stop $pid'

setup 'a fake server that replies t' '
	start fake "$bin/tests/fake" -m wrong
'
t 'a wrong reply: exit 1, showing reply and expectation' '
	exits_with 1 "^client: wrong reply .t. from 127\.0\.0\.1 port $port: expected .s.\$" \
	    "$bin/client" -t 2 127.0.0.1 $port &&
	printf "Reply from server: \047t\047\n" >want && diff -u want cmd.out
'
teardown 'stop $pid'

setup 'a fake server that never replies' '
	start fake "$bin/tests/fake" -m silent
'
t 'no reply within -t 1: exit 1 after about a second, saying so' '
	start_s=$(date +%s) &&
	exits_with 1 "no reply from 127\.0\.0\.1 port $port within 1 s" \
	    "$bin/client" -t 1 127.0.0.1 $port &&
	[ $(( $(date +%s) - start_s )) -le 3 ]
'
teardown 'stop $pid'

setup 'a fake server that drops SYNs' '
	start fake "$bin/tests/fake" -m full
'
t 'a connect that gets no answer: exit 1 after -t, saying so' '
	# fake fills its backlog of 0 itself: the SYNs are dropped.
	start_s=$(date +%s) &&
	exits_with 1 "connect to 127\.0\.0\.1 port $port: no answer within 1 s" \
	    "$bin/client" -t 1 127.0.0.1 $port &&
	[ $(( $(date +%s) - start_s )) -le 3 ]
'
teardown 'stop $pid'

t 'so "client host port && echo up" is a health check' '
	start server "$bin/server" 0 &&
	{ "$bin/client" 127.0.0.1 $port >/dev/null && echo up; } >health &&
	stop $pid &&
	{ "$bin/client" 127.0.0.1 $port >/dev/null 2>&1 && echo up; } >>health
	echo up >want && diff -u want health
'

test_done
