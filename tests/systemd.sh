# systemd.sh: the installed systemd units, run under real systemd.  POSIX sh.
# SPDX-License-Identifier: Unlicense
#
# systemd boots as PID 1 in a container of this machine's own root
# (systemd-nspawn --volatile=yes: a tmpfs root over this /usr, read-only),
# in a network namespace of its own, so port 29008 is free there and
# nothing outside can reach it.  make install DESTDIR puts the programs
# and the units in a staging /usr/local, bound over the container's: the
# units are found in /usr/local/lib/systemd/system as make install put
# them, and run the onebyted it installed.  For each mode, the README's
# line (systemctl daemon-reload && systemctl enable --now its socket);
# a client inside gets its reply over IPv4 and IPv6; the connection's
# line is in the journal; systemctl stop ends it with result success (for
# Accept=no with a silent client in hand, which the server finishes
# within its -t); systemctl disable --now; and systemd-analyze security
# scores the service at most 0.6 (inside, on the loaded unit, and
# --offline=true outside, on the installed file).  tests/load plays the
# silent client from here, in the container's network namespace only.
#
# Run by make check (tests/check.sh), or alone: sh tests/systemd.sh.
# Needs root, systemd-nspawn (systemd-container) and nsenter (util-linux).
# Every wait is bounded; the container is always torn down, by its PID.
top=$(cd "$(dirname "$0")/.." && pwd) || exit 1
cd "$top" || exit 1
# tmp, have, and the cleanup of every process started: the suite's.
. tests/lib.sh
# A container left running is the worst leftover: tear it down on a
# hang-up or a closed output (| head) too, not only on INT and TERM.
trap 'exit 1' HUP PIPE

MAX_SCORE=0.6

fail() {
	echo "systemd: $*"
	if [ -n "${leader:-}" ]; then
		echo "systemd: the container's journal of onebyted*, last lines:"
		inside journalctl --no-pager -n 30 -u 'onebyted*' 2>&1 |
		    sed 's/^/#   /'
	fi
	exit 1
}

# inside CMD [ARGS]: run CMD in the container, for at most 30 s.
inside() {
	timeout 30 nsenter -t "$leader" -a "$@"
}

# children PID: the PIDs of its children (Linux's children file, where
# the kernel has it; else ps, from procps).
children() {
	if [ -r "/proc/$1/task/$1/children" ]; then
		cat "/proc/$1/task/$1/children"
	else
		ps -o pid= --ppid "$1"
	fi
}

# boot: systemd in a container; sets $nspawn and $leader, the container's
# PID 1 as seen from here (the nspawn process's child).
boot() {
	systemd-nspawn --quiet --register=no --keep-unit --volatile=yes -D / \
	    --private-network --machine="onebyted-test-$$" \
	    --bind="$tmp/stage/usr/local:/usr/local" \
	    --boot systemd.firstboot=off \
	    systemd.mask=systemd-networkd-wait-online.service \
	    </dev/null >"$tmp/console" 2>&1 &
	nspawn=$!
	pids="$pids $nspawn"
	i=0
	while [ $i -lt 300 ] && [ -z "${leader:-}" ]; do
		kill -0 "$nspawn" 2>/dev/null || break
		for c in $(children "$nspawn"); do
			# NSpid: its PID here, then 1 inside its namespace.
			grep -q '^NSpid:.*[[:space:]]1$' "/proc/$c/status" \
			    2>/dev/null && leader=$c
		done
		[ -n "${leader:-}" ] || sleep 0.1
		i=$((i + 1))
	done
	[ -n "${leader:-}" ] || { cat "$tmp/console"; return 1; }
	# Until systemd has made its bus, systemctl fails at once: retry.
	# Then running, or degraded when some unit of this host's failed.
	i=0
	state=
	while [ $i -lt 300 ] && [ -z "$state" ]; do
		state=$(inside systemctl is-system-running --wait 2>/dev/null)
		# "offline": asked before the container's PID 1 became systemd.
		case $state in offline | unknown) state= ;; esac
		[ -n "$state" ] || sleep 0.2
		i=$((i + 1))
	done
	case $state in
	running | degraded) echo "systemd: booted ($state)" ;;
	*) echo "systemd: boot ended '$state'"; return 1 ;;
	esac
}

# The installed units: systemd finds them; each pair passes
# systemd-analyze verify (an instance stands for the template).  Not
# their Documentation= (--man=no): man finds no page here, with the
# container's /etc empty of man's configuration; mandoc checks the pages.
verify_units() {
	inside systemctl daemon-reload || return 1
	# A first boot (the container's /etc is empty) enables every unit
	# its presets name, ours too, and both sockets want port 29008: as
	# a host finds them after make install, nothing enabled.
	inside systemctl disable --now onebyted.socket onebyted-inetd.socket \
	    >/dev/null 2>&1 || return 1
	inside systemd-analyze verify --man=no \
	    onebyted.socket onebyted.service \
	    onebyted-inetd.socket onebyted-inetd@check.service \
	    >"$tmp/verify.out" 2>&1
	st=$?
	cat "$tmp/verify.out"
	[ $st -eq 0 ] && [ ! -s "$tmp/verify.out" ] || return 1
	echo "systemd: systemd-analyze verify: no finding"
}

# score UNIT FILE: the exposure, inside on the loaded unit and outside on
# the file; both must be at most MAX_SCORE.
score() {
	in=$(inside systemd-analyze security --no-pager "$1" 2>&1 |
	    sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p')
	out=$(systemd-analyze security --offline=true --no-pager "$2" 2>&1 |
	    sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p')
	echo "systemd: $1: exposure $in (systemd-analyze security)," \
	    "${out:-?} (--offline=true on the installed file)"
	[ -n "$in" ] && [ -n "$out" ] &&
	    awk -v a="$in" -v b="$out" -v m="$MAX_SCORE" \
	    'BEGIN { exit !(a <= m && b <= m) }'
}

# check_reply ADDRESS: the client inside gets its reply from ADDRESS 29008.
check_reply() {
	if ! inside /usr/local/bin/onebyte -t 5 "$1" 29008 >"$tmp/client.out" \
	    2>&1; then
		cat "$tmp/client.out"
		return 1
	fi
	echo "systemd: onebyte $1 29008: $(cat "$tmp/client.out")"
}

# journal_has UNIT PATTERN: wait up to 10 s for a line of UNIT's journal.
journal_has() {
	i=0
	while [ $i -lt 50 ]; do
		if inside journalctl --no-pager -o cat -u "$1" >"$tmp/journal" \
		    2>&1 && grep -q -- "$2" "$tmp/journal"; then
			echo "systemd: journal of $1: $(grep -- "$2" "$tmp/journal" |
			    head -n 1)"
			return 0
		fi
		sleep 0.2
		i=$((i + 1))
	done
	echo "no line matching '$2' in the journal of $1:"
	cat "$tmp/journal"
	return 1
}

# result UNIT: systemd's Result for UNIT must be success.
result() {
	r=$(inside systemctl show -p Result --value "$1")
	echo "systemd: $1: Result=$r"
	[ "$r" = success ]
}

# Accept=no: one server, started by the first connection, for all of them.
accept_no() {
	inside sh -c 'systemctl daemon-reload &&
	    systemctl enable --now onebyted.socket' &&
	check_reply 127.0.0.1 &&
	check_reply ::1 &&
	[ "$(inside systemctl is-active onebyted.service)" = active ] &&
	journal_has onebyted.service "^127.0.0.1 port [0-9]*: 'r' -> 's'$" &&
	journal_has onebyted.service "^::1 port [0-9]*: 'r' -> 's'$" &&
	stop_in_hand &&
	result onebyted.service &&
	inside systemctl disable --now onebyted.socket &&
	score onebyted.service "$units/onebyted.service"
}

# systemctl stop while the server holds a silent client: the server
# finishes it (timed out, after -t: 5 s) and exits 0, and the client was
# let go, not left hanging.
stop_in_hand() {
	timeout 30 nsenter -t "$leader" -n "$top/tests/load" -m silent -c 1 \
	    -n 1 -T 20 127.0.0.1 29008 >"$tmp/silent.out" 2>&1 &
	silent=$!
	pids="$pids $silent"
	i=0
	until nsenter -t "$leader" -n ss -Htn state established \
	    '( dport = :29008 )' | grep -q .; do
		[ $i -lt 100 ] || { echo "the silent client never connected"; return 1; }
		sleep 0.05
		i=$((i + 1))
	done
	t0=$(date +%s)
	inside systemctl stop onebyted.socket onebyted.service || return 1
	echo "systemd: systemctl stop with a silent client in hand:" \
	    "$(($(date +%s) - t0)) s"
	wait $silent || { cat "$tmp/silent.out"; return 1; }
	journal_has onebyted.service "^127.0.0.1 port [0-9]*: timed out$"
}

# Accept=yes: a server per connection, each on its own instance.
accept_yes() {
	inside sh -c 'systemctl daemon-reload &&
	    systemctl enable --now onebyted-inetd.socket' &&
	check_reply 127.0.0.1 &&
	check_reply ::1 &&
	journal_has 'onebyted-inetd@*' "^127.0.0.1 port [0-9]*: 'r' -> 's'$" &&
	journal_has 'onebyted-inetd@*' "^::1 port [0-9]*: 'r' -> 's'$" &&
	journal_has 'onebyted-inetd@*' 'Deactivated successfully' &&
	failed_instances &&
	inside systemctl stop onebyted-inetd.socket &&
	result onebyted-inetd.socket &&
	inside systemctl disable --now onebyted-inetd.socket &&
	score onebyted-inetd@check.service "$units/onebyted-inetd@.service"
}

# No instance of the Accept=yes service may have failed.
failed_instances() {
	inside systemctl list-units --all --failed --no-legend \
	    'onebyted-inetd@*' >"$tmp/failed" || return 1
	[ ! -s "$tmp/failed" ] || { cat "$tmp/failed"; return 1; }
}

[ "$(id -u)" -eq 0 ] || fail "needs root"
for tool in systemd-nspawn nsenter systemd-analyze ss; do
	have "$tool" || fail "needs $tool ($(package_of "$tool"))"
done
make -s tests/load >"$tmp/make.out" 2>&1 ||
    { cat "$tmp/make.out"; fail "make tests/load failed"; }
make -s install DESTDIR="$tmp/stage" >"$tmp/install.out" 2>&1 ||
    { cat "$tmp/install.out"; fail "make install DESTDIR failed"; }
units=$tmp/stage/usr/local/lib/systemd/system
[ -f "$units/onebyted.service" ] || fail "make install put no units in $units"
boot || fail "the container did not boot"
verify_units || fail "systemd does not take the installed units"
accept_no || fail "Accept=no (onebyted.socket) failed"
echo "systemd: Accept=no: ok"
accept_yes || fail "Accept=yes (onebyted-inetd.socket) failed"
echo "systemd: Accept=yes: ok"
