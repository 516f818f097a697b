#!/bin/sh
# Where the server listens: every address by default, one with -b.
# SPDX-License-Identifier: Unlicense
. "$(dirname "$0")/lib.sh"

setup 'a server on every address' '
	start server "$bin/server" 0
'

t 'by default it answers on IPv4 loopback' '
	"$bin/client" 127.0.0.1 $port
'

t 'by default it answers on IPv6 loopback' '
	"$bin/client" ::1 $port
'

t 'an IPv4 client is logged with its IPv4 address, not ::ffff:' '
	"$bin/client" 127.0.0.1 $port && "$bin/client" ::1 $port &&
	wait_line server.out "^127\.0\.0\.1 port [0-9]*: " &&
	wait_line server.out "^::1 port [0-9]*: " &&
	! grep -q "ffff" server.out
'
teardown 'stop $pid'

setup 'a server on 127.0.0.1' '
	start server "$bin/server" -b 127.0.0.1 0
'

t '-b 127.0.0.1 says so in its listening line' '
	grep -q "^server: listening on 127\.0\.0\.1 port $port\$" server.out
'

t '-b 127.0.0.1 answers on 127.0.0.1' '
	"$bin/client" 127.0.0.1 $port
'

t '-b 127.0.0.1 does not answer on ::1' '
	exits_with 1 "no server is listening" "$bin/client" ::1 $port
'

t 'the client finds a 127.0.0.1-only server through localhost' '
	"$bin/client" localhost $port
'

t TWO_ADDRESSES 'a name with ::1 and 127.0.0.1: the client tries both, 127.0.0.1 answers' '
	two_addresses "$bin/client" echo-test $port
'
teardown 'stop $pid'

setup 'a server on ::1' '
	start server "$bin/server" -b ::1 0
'

t '-b ::1 answers on ::1 and not on 127.0.0.1' '
	grep -q "^server: listening on ::1 port $port\$" server.out &&
	"$bin/client" ::1 $port &&
	exits_with 1 "no server is listening" "$bin/client" 127.0.0.1 $port
'

t TWO_ADDRESSES 'the client finds a ::1-only server through localhost (::1 and 127.0.0.1)' '
	two_addresses "$bin/client" localhost $port
'

t TWO_ADDRESSES 'a name with ::1 and 127.0.0.1: the client tries both, ::1 answers' '
	two_addresses "$bin/client" echo-test $port
'
teardown 'stop $pid'

setup 'a server on localhost' '
	start server "$bin/server" -b localhost 0
'

t '-b localhost listens on a loopback address and answers localhost' '
	grep -q "^server: listening on \(::1\|127\.0\.0\.1\) port $port\$" \
	    server.out && "$bin/client" localhost $port
'
teardown 'stop $pid'

test_done
