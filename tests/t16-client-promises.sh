#!/bin/sh
# The client's promises in hostile surroundings: output that cannot be
# written, a resolver that never answers, messages that name the cause.
# SPDX-License-Identifier: Unlicense
. "$(dirname "$0")/lib.sh"

setup 'a server on port 0' '
	start server "$bin/server" -q 0
'

# --- what it prints must reach its output

t 'output to a full disk (/dev/full): one line on stderr, exit 1' '
	exits_with 1 "^client: write error: " \
	    sh -c "exec \"\$0\" 127.0.0.1 $port >/dev/full" "$bin/client" &&
	[ "$(wc -l <cmd.err)" -eq 1 ]
'

t '-q prints nothing, so a full disk is no failure: exit 0' '
	"$bin/client" -q 127.0.0.1 $port >/dev/full
'

t '-h into a full disk: exit 1, saying so' '
	exits_with 1 "^client: write error: " \
	    sh -c "exec \"\$0\" -h >/dev/full" "$bin/client"
'

t python3 'output to a pipe whose reader has left: exit 1, saying so' '
	python3 -c "
import os, subprocess, sys
r, w = os.pipe()
os.close(r)
p = subprocess.run([sys.argv[1], \"127.0.0.1\", sys.argv[2]], stdout=w,
    stderr=subprocess.PIPE)
err = p.stderr.decode()
print(p.returncode, err)
sys.exit(0 if p.returncode == 1 and err.startswith(\"client: write error: \") and err.count(\"\\n\") == 1 else 1)
" "$bin/client" $port
'

# --- the family that -4, -6 or -s asked for, named when it is the cause

t '-6 and a name with IPv4 addresses only: the message names -6' '
	printf "127.0.0.1 v4only\n" >hosts16 &&
	exits_with 1 "^client: v4only has no IPv6 address, and -6 limits the check to IPv6\$" \
	    unshare --mount sh -c "mount --bind hosts16 /etc/hosts && exec \"\$@\"" \
	    sh "$bin/client" -6 v4only $port
'

# --- getaddrinfo's EAI_SYSTEM: errno's reason, not "System error"

t musl-gcc 'out of descriptors while resolving: errno says why' '
	src=$bin/client.c && { [ -f "$src" ] || src=$top/client.c; } &&
	musl-gcc -std=c99 -D_POSIX_C_SOURCE=200809L -static -o musl-client \
	    "$src" &&
	exits_with 1 "^musl-client: resolve localhost: " \
	    sh -c "ulimit -n 3 && exec ./musl-client localhost $port" &&
	! grep -q "System error" cmd.err
'

# --- -t bounds the name lookup too

# A private resolver that never answers: /etc/resolv.conf names
# 127.0.0.1, where a UDP socket swallows every query, in a network and
# mount namespace of the test's own (nsswitch: files, then DNS).
cat >"$tmp/deaf-dns" <<'EOF'
#!/bin/sh
printf 'nameserver 127.0.0.1\noptions timeout:5 attempts:2\n' >"$T/resolv16"
printf 'hosts: files dns\n' >"$T/nss16"
printf '127.0.0.1 localhost\n' >"$T/hosts16"
exec unshare --net --mount sh -c '
	ip link set lo up &&
	mount --bind "$T/resolv16" /etc/resolv.conf &&
	mount --bind "$T/nss16" /etc/nsswitch.conf &&
	mount --bind "$T/hosts16" /etc/hosts &&
	python3 -c "
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((\"127.0.0.1\", 53))
open(\"$T/deaf.ready\", \"w\").close()
time.sleep(20)
" &
	i=0
	while [ ! -e "$T/deaf.ready" ] && [ $i -lt 100 ]; do
		sleep 0.05; i=$((i + 1))
	done
	s0=$(date +%s%N)
	"$@"; st=$?
	echo $(( ($(date +%s%N) - s0) / 1000000 )) >"$T/took"
	kill $! 2>/dev/null
	exit $st' sh "$@"
EOF
chmod +x "$tmp/deaf-dns"
export T="$tmp"

t NETNS,ip,python3 'a resolver that never answers: -t 0.5 gives up at about 0.5 s, naming -t' '
	rm -f "$tmp/deaf.ready" &&
	exits_with 1 "^client: resolve nowhere\.example: no answer within 0\.5 s (-t); a numeric address needs no lookup\$" \
	    "$tmp/deaf-dns" "$bin/client" -t 0.5 nowhere.example 9 &&
	ms=$(cat "$tmp/took") && echo "the client took $ms ms" &&
	[ "$ms" -ge 450 ] && [ "$ms" -lt 4000 ]
'

t NETNS,ip,python3 '-w 2 -t 0.5 and a resolver that never answers: -t, not -w, and not 2 s' '
	rm -f "$tmp/deaf.ready" &&
	exits_with 1 "no answer within 0\.5 s (-t)" \
	    "$tmp/deaf-dns" "$bin/client" -w 2 -t 0.5 nowhere.example 9 &&
	ms=$(cat "$tmp/took") && echo "the client took $ms ms" &&
	[ "$ms" -lt 1900 ] && ! grep -q "after waiting" cmd.err
'

t NETNS,ip,python3 '-s and a resolver that never answers: -t bounds it, and says -s' '
	rm -f "$tmp/deaf.ready" &&
	exits_with 1 "^client: resolve nowhere\.example (-s): no answer within 0\.5 s (-t)" \
	    "$tmp/deaf-dns" "$bin/client" -t 0.5 -s nowhere.example 127.0.0.1 9
'

# Only a name needs the resolver, and so a thread: an address does not.
t strace 'a numeric address is converted without a thread; a name has one' '
	# On a plain build of the source under test: the sanitizers have
	# threads of their own, and LeakSanitizer fails under strace.
	src=$bin/client.c && { [ -f "$src" ] || src=$top/client.c; } &&
	cc -std=c99 -D_POSIX_C_SOURCE=200809L -O2 -o plain "$src" -pthread &&
	strace -f -o calls -e trace=clone,clone3 ./plain -q 127.0.0.1 $port &&
	strace -f -o calls2 -e trace=clone,clone3 ./plain -q localhost $port &&
	c1=$(grep -c "clone" calls; :) && c2=$(grep -c "clone" calls2; :) &&
	echo "threads made: $c1 for 127.0.0.1, $c2 for localhost" &&
	[ "$c2" -gt "$c1" ]
'

teardown '
	stop $pid >/dev/null
'

test_done
