# Under load: many clients, hostile ones among them, nothing lost.

# fds PID: how many descriptors the process has open.
fds() {
	ls "/proc/$1/fd" | wc -l
}

# field NAME FILE: a number from load's one-line report.
field() {
	sed -n "s/.* $1 \([0-9][0-9]*\).*/\1/p" "$2"
}

start server "$bin/server" -q -t 1 0

if [ -d "/proc/$pid/fd" ]; then
	t '10,000 connections at concurrency 32: all right, no descriptor leaked' '
		before=$(fds $pid) &&
		"$bin/tests/load" -c 32 -n 10000 -T 60 127.0.0.1 $port >load.out &&
		cat load.out && [ "$(field ok load.out)" -eq 10000 ] &&
		alive $pid && after=$(fds $pid) &&
		echo "descriptors before $before, after $after" &&
		[ "$before" -eq "$after" ]
	'
else
	t '10,000 connections at concurrency 32: all right' '
		"$bin/tests/load" -c 32 -n 10000 -T 60 127.0.0.1 $port >load.out &&
		cat load.out && [ "$(field ok load.out)" -eq 10000 ] && alive $pid
	'
fi

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

# As many silent clients as the listen queue holds (SOMAXCONN, at most
# what the kernel allows), then good ones.  An iterative server can only
# pass this where the kernel holds the silent ones for it: Linux's
# TCP_DEFER_ACCEPT (see README), for about a second.
backlog=$(cat /proc/sys/net/core/somaxconn 2>/dev/null || echo 128)
[ "$backlog" -le 4096 ] || backlog=4096
if [ "$(uname -s)" != Linux ]; then
	skip "$backlog silent clients, then 500 good ones" 'needs TCP_DEFER_ACCEPT'
else
	t "$backlog silent clients, then 500 good ones: none lost, none waits 1 s" '
		"$bin/tests/load" -m silent -c $backlog -n $backlog -T 4 127.0.0.1 $port \
		    >silent.out &
		s=$! && sleep 0.5 &&
		"$bin/tests/load" -c 8 -n 500 -T 10 127.0.0.1 $port >good.out
		good=$?
		wait $s
		cat good.out silent.out
		[ $good -eq 0 ] && [ "$(field ok good.out)" -eq 500 ] &&
		[ "$(field max_us good.out)" -lt 1000000 ] && alive $pid
	'
fi
stop $pid >/dev/null

start server "$bin/server" -q 0

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
