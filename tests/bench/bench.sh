# bench.sh: ./server against the smallest possible server, in one run.  POSIX sh.
# SPDX-License-Identifier: Unlicense
# Run by `make bench`.  Rounds interleave the servers, so that the
# machine's drift hits all of them alike; the table gives medians and the
# ratio of each to the baseline measured in the same rounds.
#
# Two more rows show what a supervisor costs: ./server -q on a socket
# passed by systemd-socket-activate (Accept=no: our own accept loop), and
# ./server -i under tcpserver (a process per connection), built as make
# builds it (glibc, dynamic) and as make static does (musl, static): there
# every connection is a process start.  The one-shot client, dynamic and
# static, is timed last (with hyperfine when it is installed).  A row
# whose tool is missing is skipped, with a line saying so.
#
# One more, a process per client without a supervisor: ./server -q -c 64
# forks after accept and execs nothing (see forking below); a line after
# the table gives its ratio to -i under tcpserver -c 64.
#
# Environment: ROUNDS (default 7), N connections per run (default 5000),
# N_PROC connections per run for the process-per-connection row (default
# N/10), CONCURRENCY (default "1 16 64"), CLIENT_RUNS (default 300).
top=$(cd "$(dirname "$0")/../.." && pwd) || exit 1
cd "$top" || exit 1

rounds=${ROUNDS:-7}
conns=${N:-5000}
concurrency=${CONCURRENCY:-1 16 64}
client_runs=${CLIENT_RUNS:-300}
proc_conns=${N_PROC:-$((conns / 10))}
[ "$proc_conns" -ge 1 ] || proc_conns=1
# start, and the cleanup of every process started, are the test suite's.
. tests/lib.sh

# The static pair, built by make static in a copy of the sources, so that
# ./server and ./client stay as they are.
static=
if ! have musl-gcc; then
	echo "bench: skipping the static rows: no musl-gcc (musl-tools)"
elif mkdir -p "$tmp/static" && cp Makefile server.c client.c "$tmp/static" &&
    make -s -C "$tmp/static" static >"$tmp/static.out" 2>&1; then
	static=$tmp/static
else
	echo "bench: skipping the static rows: make static failed:"
	cat "$tmp/static.out"
fi

start baseline "$top/tests/bench/baseline" || exit 1
base_port=$port
start quiet "$top/server" -q 0 || exit 1
quiet_port=$port
quiet_pid=$pid
# The logging server writes to a file, as a daemon's log would.
start log "$top/server" 0 || exit 1
log_port=$port
log_pid=$pid

# The supervisors cannot listen on port 0 and say which port they got:
# free_port and supervise (tests/lib.sh) find one and wait for it.
servers="baseline:$base_port server-q:$quiet_port server-log:$log_port"
# Accept=no: systemd-socket-activate execs ./server at the first
# connection, in its own process, so $pid is the server's.
if ! have systemd-socket-activate; then
	echo "bench: skipping socket-activated -q: no systemd-socket-activate"
elif free_port && supervise sa systemd-socket-activate -l "127.0.0.1:$port" \
    "$top/server" -q; then
	sa_pid=$pid
	servers="$servers sa-q:$port"
else
	echo "bench: skipping socket-activated -q: it did not start"
fi
# -R, -H, -l0: no ident or DNS look-ups; -b 64 -c 64: room for the load.
if ! have tcpserver; then
	echo "bench: skipping -i under tcpserver: no tcpserver (ucspi-tcp)"
elif free_port && supervise tcpserver tcpserver -RHl0 -b 64 -c 64 \
    127.0.0.1 "$port" "$top/server" -q -i; then
	servers="$servers tcpserver:$port"
else
	echo "bench: skipping -i under tcpserver: it did not start"
fi
if [ -n "$static" ] && have tcpserver; then
	if free_port && supervise tcpserver-static tcpserver -RHl0 -b 64 \
	    -c 64 127.0.0.1 "$port" "$static/server" -q -i; then
		servers="$servers tcpserver-static:$port"
	else
		echo "bench: skipping -i static under tcpserver: it did not start"
	fi
fi

# forking: ./server -q -c 64, a process per client (fork, no exec), for
# its row beside the loop (server-q) and -i under tcpserver; and, after
# the table, fork_ratio: its conn/s over tcpserver's, per concurrency.
forking() {
	start forking "$top/server" -q -c 64 0 || exit 1
	servers="$servers server-c64:$port"
}
fork_ratio() {
	case $servers in
	*tcpserver:*) ;;
	*) return 0 ;;
	esac
	for c in $concurrency; do
		echo "bench: ./server -q -c 64 against -i under tcpserver at" \
		    "concurrency $c: $(echo "$(median 3 server-c64 "$c")" \
		    "$(median 3 tcpserver "$c")" |
		    awk '{ printf "%.2fx", $1 / $2 }')"
	done
}
forking

echo "bench: $rounds rounds of $conns connections per server and concurrency;" \
    "$(nproc 2>/dev/null || echo '?') cores, $(uname -sr)"
case $servers in
*tcpserver:*) echo "bench: -i under tcpserver: $proc_conns connections" \
    "per run (a process per connection)" ;;
esac

# One row per run: server concurrency conn/s p50 p99, into runs.txt.
r=1
while [ $r -le "$rounds" ]; do
	for c in $concurrency; do
		# Each round starts with the next server: none is always first.
		set -- $servers
		k=1
		while [ $k -lt $(( (r - 1) % $# + 1 )) ]; do
			s=$1
			shift
			set -- "$@" "$s"
			k=$((k + 1))
		done
		for s in "$@"; do
			name=${s%%:*}
			count=$conns
			case $name in
			tcpserver*) count=$proc_conns ;;
			esac
			if ! "$top/tests/load" -c "$c" -n "$count" -T 60 127.0.0.1 \
			    "${s#*:}" >"$tmp/run.out"; then
				echo "bench: $name at concurrency $c failed:" >&2
				cat "$tmp/run.out" >&2
				exit 1
			fi
			awk -v s="$name" -v c="$c" '{
				for (i = 1; i < NF; i++) v[$i] = $(i + 1)
				print s, c, v["conn/s"], v["p50_us"], v["p99_us"]
			}' "$tmp/run.out" >>"$tmp/runs.txt"
		done
	done
	r=$((r + 1))
done

# median FIELD SERVER C: the median of one column over the rounds.
median() {
	awk -v s="$2" -v c="$3" '$1 == s && $2 == c' "$tmp/runs.txt" |
	    sort -n -k "$1" | awk -v f="$1" '{ v[NR] = $f }
	    END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo
printf '| %-20s | %5s | %8s | %6s | %7s | %7s |\n' server concurrency \
    'conn/s' ratio 'p50 us' 'p99 us'
echo '|----------------------|-------------|----------|--------|---------|---------|'
for c in $concurrency; do
	base=$(median 3 baseline "$c")
	for s in $servers; do
		s=${s%%:*}
		rate=$(median 3 $s "$c")
		case $s in
		baseline) label='baseline' ;;
		server-q) label='./server -q' ;;
		server-log) label='./server >file' ;;
		sa-q) label='socket-activated -q' ;;
		tcpserver) label='-i under tcpserver' ;;
		tcpserver-static) label='-i static, tcpserver' ;;
		server-c64) label='./server -q -c 64' ;;
		esac
		printf '| %-20s | %11s | %8.0f | %6.2f | %7.0f | %7.0f |\n' \
		    "$label" "$c" "$rate" "$(echo "$rate $base" | awk '{ print $1 / $2 }')" \
		    "$(median 4 $s "$c")" "$(median 5 $s "$c")"
	done
done

echo
fork_ratio

echo
for s in quiet:$quiet_pid log:$log_pid socket-activated:${sa_pid:-}; do
	p=${s#*:}
	if [ -n "$p" ] && [ -r "/proc/$p/status" ]; then
		echo "peak resident memory (VmHWM), server ${s%%:*}:" \
		    "$(awk '/^VmHWM/ { print $2, $3 }' "/proc/$p/status")"
	fi
done

# one_shot LABEL CLIENT: the time of one run of CLIENT against the
# baseline: process start, resolve, connect, reply, exit.  hyperfine -N
# runs it with no shell between; without hyperfine, a loop of the shell's
# (which adds the shell's fork to each run).
one_shot() {
	if have hyperfine; then
		hyperfine -N --warmup 20 --runs "$client_runs" \
		    --export-csv "$tmp/one-shot.csv" "$2 127.0.0.1 $base_port" \
		    >"$tmp/one-shot.out" 2>&1 || {
			echo "bench: $1 failed:" >&2
			cat "$tmp/one-shot.out" >&2
			exit 1
		}
		# command,mean,stddev,median,user,system,min,max, in seconds
		awk -F, -v l="$1" -v n="$client_runs" 'NR == 2 {
			printf "one-shot %s against the baseline: %d runs" \
			    " (hyperfine -N), median %.0f us, mean %.0f us\n",
			    l, n, $4 * 1e6, $2 * 1e6
		}' "$tmp/one-shot.csv"
		return
	fi
	t0=$(date +%s%N)
	i=0
	while [ $i -lt "$client_runs" ]; do
		"$2" 127.0.0.1 "$base_port" >/dev/null || {
			echo "bench: $1 failed" >&2; exit 1; }
		i=$((i + 1))
	done
	t1=$(date +%s%N)
	echo "one-shot $1 against the baseline: $client_runs runs (a shell" \
	    "loop), $(echo "$t0 $t1 $client_runs" |
	    awk '{ printf "%.0f", ($2 - $1) / $3 / 1000 }') us per run"
}

one_shot ./client "$top/client"
if [ -n "$static" ]; then
	one_shot 'static client' "$static/client"
fi

# --- The client as a ping: onebyte -q -n N -i 0, N checks back to back
# against ./server -q, beside tests/bench/loop, the smallest serial loop
# that makes the same connect, write, read to the close, close.  Rounds
# alternate which runs first; the table gives the medians of their rates
# and the client's as a ratio of the loop's, measured in the same rounds.
# Both are timed from outside, process start included (once per run).
ping_rows() {
	: >"$tmp/ping-runs.txt"
	r=1
	while [ $r -le "$rounds" ]; do
		order='loop client'
		[ $((r % 2)) -eq 0 ] && order='client loop'
		for who in $order; do
			t0=$(date +%s%N)
			if [ $who = loop ]; then
				"$top/tests/bench/loop" "$conns" 127.0.0.1 "$quiet_port" \
				    >"$tmp/ping.out" 2>&1
			else
				"$top/client" -q -n "$conns" -i 0 127.0.0.1 "$quiet_port" \
				    >"$tmp/ping.out" 2>&1
			fi || {
				echo "bench: $who of $conns checks failed:" >&2
				cat "$tmp/ping.out" >&2
				exit 1
			}
			t1=$(date +%s%N)
			echo "$who $t0 $t1" | awk -v n="$conns" \
			    '{ printf "%s %.0f\n", $1, n / (($3 - $2) / 1e9) }' \
			    >>"$tmp/ping-runs.txt"
		done
		r=$((r + 1))
	done
	# The median rate of each, over the rounds.
	for who in loop client; do
		awk -v w=$who '$1 == w { print $2 }' "$tmp/ping-runs.txt" |
		    sort -n | awk '{ v[NR] = $1 } END {
			print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		    }' >"$tmp/ping-$who.txt"
	done
	loop_rate=$(cat "$tmp/ping-loop.txt")
	client_rate=$(cat "$tmp/ping-client.txt")
	echo
	echo "bench: $rounds rounds of $conns checks back to back against" \
	    "./server -q, one at a time"
	printf '| %-36s | %8s | %6s |\n' 'serial client' 'checks/s' ratio
	echo '|--------------------------------------|----------|--------|'
	printf '| %-36s | %8.0f | %6.2f |\n' \
	    'loop: connect, write, read, close' "$loop_rate" 1
	printf '| %-36s | %8.0f | %6.2f |\n' './client -q -n N -i 0' \
	    "$client_rate" "$(echo "$client_rate $loop_rate" |
	    awk '{ print $1 / $2 }')"
}

ping_rows
