#!/bin/sh
# The exchange: one byte in, that byte plus one out, and the server's log.
# SPDX-License-Identifier: Unlicense
. "$(dirname "$0")/lib.sh"

setup 'a server on port 0' '
	start server "$bin/server" 0
'

t 'the listening line names the address and the real port' '
	grep -q "^server: listening on :: port $port\$" server.out &&
	[ "$port" -gt 0 ]
'

t 'the client sends r and prints the reply s' '
	"$bin/client" localhost $port >out &&
	printf "Reply from server: \047s\047\n" >want && diff -u want out
'

t 'the server logs the peer, the byte received and the byte sent' '
	wait_line server.out "^127\.0\.0\.1 port [0-9]*: .r. -> .s.\$" ||
	wait_line server.out "^::1 port [0-9]*: .r. -> .s.\$"
'

t 'every byte value 0 to 255 comes back as byte + 1 mod 256' '
	i=0 bad=0
	while [ $i -lt 256 ]; do
		j=$(( (i + 1) % 256 ))
		if [ $j -ge 32 ] && [ $j -le 126 ]; then
			want=$(printf "\\047\\$(printf %03o $j)\\047")
		else
			want=$(printf "\\\\x%02x" $j)
		fi
		got=$("$bin/client" -c "$(printf "\\\\x%02x" $i)" 127.0.0.1 $port)
		if [ $? -ne 0 ] || [ "$got" != "Reply from server: $want" ]; then
			echo "byte $i: got \"$got\", want \"$want\""
			bad=$((bad + 1))
		fi
		i=$((i + 1))
	done
	[ $bad -eq 0 ]
'

t 'a printable reply is printed quoted, as the server logs it' '
	"$bin/client" -c A 127.0.0.1 $port >out &&
	printf "Reply from server: \047B\047\n" >want && diff -u want out
'

t 'byte 255 wraps to 0, shown as \x00 by client and server' '
	"$bin/client" -c "$(printf "\\377")" 127.0.0.1 $port >out &&
	echo "Reply from server: \\x00" >want && diff -u want out &&
	wait_line server.out "^127\.0\.0\.1 port [0-9]*: \\\\xff -> \\\\x00\$"
'

t 'a client that sends a byte and a newline, half-closes, reads to EOF: 200 of 200' '
	# As printf "r\n" | nc -N does: the reply is exactly one byte, then EOF.
	"$bin/tests/load" -m line -n 200 -T 20 127.0.0.1 $port
'

t 'a client that sends several bytes in one write gets its reply' '
	"$bin/tests/load" -m extra -c 4 -n 400 -T 20 127.0.0.1 $port
'

t 'a client that sends a whole buffer and more gets its reply, logged right' '
	# 100,001 bytes in writes of 16 KiB: the first is \x00, the rest \x80.
	lines=$(wc -l <server.out) &&
	"$bin/tests/load" -m big -s 100000 -n 1 -T 10 127.0.0.1 $port &&
	wait_lines server.out $((lines + 1)) &&
	tail -n 1 server.out | grep "^127\.0\.0\.1 port [0-9]*: \\\\x00 -> \\\\x01\$"
'

t 'clients of 601 and 5,001 bytes get their reply, 20 of 20 each' '
	# Closing with their bytes unread would send a reset, which destroys
	# the reply on its way: only the lingering close keeps it.
	"$bin/tests/load" -m big -s 600 -n 20 -T 10 127.0.0.1 $port &&
	"$bin/tests/load" -m big -s 5000 -n 20 -T 10 127.0.0.1 $port
'

t nc 'nc -N with a whole buffer and more: exactly the reply, logged right' '
	{ printf a; head -c 100000 /dev/zero; } >big &&
	lines=$(wc -l <server.out) &&
	timeout 10 nc -N 127.0.0.1 $port <big >got && printf b >want &&
	diff -u want got && wait_lines server.out $((lines + 1)) &&
	tail -n 1 server.out | grep "^127\.0\.0\.1 port [0-9]*: .a. -> .b.\$"
'

# The quick start's line, the same for every common nc: no -N (OpenBSD's
# only), no -q; the server closes first, which ends each of them.
for tool in nc ncat busybox; do
	cmd=$tool
	[ $tool = busybox ] && cmd="busybox nc"
	t $tool "quick start: printf of r and a newline into $cmd localhost PORT prints s" "
		printf 'r\\n' | timeout 10 $cmd localhost \$port >got &&
		printf s >want && diff -u want got
	"
done

t 'bytes 0x7e and 0x7f: DEL is logged as \x7f, not as itself' '
	"$bin/client" -c "~" 127.0.0.1 $port >/dev/null &&
	"$bin/client" -c "\\x7f" 127.0.0.1 $port >/dev/null &&
	wait_line server.out "^127\.0\.0\.1 port [0-9]*: .~. -> \\\\x7f\$" &&
	wait_line server.out "^127\.0\.0\.1 port [0-9]*: \\\\x7f -> \\\\x80\$"
'

t 'the server is still up and SIGTERM stops it with status 0' '
	alive $pid && stop $pid
'
teardown 'stop $pid'

t 'the listening line arrives at once through a pipe' '
	{ "$bin/server" -q 0 & echo $! >server.pid; wait; } | { read -r line &&
	echo "$line" >pipe.out; cat >/dev/null; } &
	wait_line pipe.out "^server: listening on :: port [0-9]" ; st=$?
	stop $(cat server.pid); wait; [ $st -eq 0 ]
'

setup 'a server with -q' '
	start server "$bin/server" -q 0
'
t 'with -q the server logs no connections' '
	"$bin/client" 127.0.0.1 $port >/dev/null && stop $pid &&
	[ $(wc -l <server.out) -eq 1 ]
'

test_done
