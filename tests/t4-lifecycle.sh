#!/bin/sh
# Starting, stopping, restarting, and failing to start.
# SPDX-License-Identifier: Unlicense
. "$(dirname "$0")/lib.sh"

setup 'a server on port 0' '
	start server "$bin/server" 0 && first=$port
'

t 'SIGTERM: the server exits 0' '
	"$bin/client" 127.0.0.1 $port && stop $pid
'

t 'restarting at once on the same port works (SO_REUSEADDR)' '
	start server "$bin/server" $first && [ "$port" = "$first" ] &&
	"$bin/client" 127.0.0.1 $port
'

t 'SIGINT: the server exits 0 too' '
	stop $pid INT
'

setup 'a server whose port the next ones ask for' '
	start server "$bin/server" 0 && busy=$port
'

t 'a port in use: exit 1, one line naming the port and the reason' '
	exits_with 1 "port $busy: $(reason EADDRINUSE)" "$bin/server" $busy
'

t 'an address not on this host: exit 1, naming it' '
	exits_with 1 "192\.0\.2\.1 port 0: $(reason EADDRNOTAVAIL)" \
	    "$bin/server" -b 192.0.2.1 0
'

t 'a name that does not resolve: exit 1, naming it' '
	exits_with 1 "nosuch\.invalid port 0" "$bin/server" -b nosuch.invalid 0
'

t UNPRIVILEGED 'a port it may not bind: exit 1, naming the port' '
	# As root, the server runs as nobody (setpriv): root may bind any port.
	exits_with 1 "port 1: $(reason EACCES)" $(as_nobody) "$bin/server" 1
'

t 'the first server is unharmed by all that' '
	"$bin/client" 127.0.0.1 $busy && stop $pid
'

setup 'a server with -t 5' '
	start server "$bin/server" -t 5 0
'

t 'SIGTERM while a client is in hand: it gets its reply, then exit 0' '
	"$bin/tests/load" -m slow -d 2500 -n 1 -T 10 127.0.0.1 $port &
	c=$! &&
	wait_line server.out "listening" && sleep 1.8 && kill $pid &&
	wait $c && stop $pid &&
	grep -q ": \\\\x00 -> \\\\x01\$" server.out
'

test_done
