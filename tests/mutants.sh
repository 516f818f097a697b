# mutants.sh: small deliberate bugs ("mutants") in copies of server.c and
# client.c; the suite must fail against each.  A mutant it passes shows a
# promise no test checks.  POSIX sh.  Run by `make mutants`.
# Usage: sh tests/mutants.sh [N ...]	(only mutants N ...)
# MUTANT_TIMEOUT: seconds per suite run, default 300.  Exit 1 if a mutant
# survived or could not be applied or built; then the logs are kept.
#
# Each mutant is built from a snapshot of the sources into a directory of
# its own, beside the unmutated other program, tests/load and tests/fake,
# and the suite runs against it with BIN=dir.  It runs only the test files
# the mutant names (the whole suite when it names none, or none of them
# exist yet), under a time limit: a hang fails the suite too.
top=$(cd "$(dirname "$0")/.." && pwd) || exit 1
cd "$top" || exit 1

STD="-std=c99 -pedantic -Wall -Wextra -D_POSIX_C_SOURCE=200809L -O2"
limit=${MUTANT_TIMEOUT:-300}	# seconds per suite run

# The list.  An entry is a header line, then its lines:
#	mutant NAME FILE [TEST ...]	the suite must fail; TEST is a prefix
#					such as t2 (tests/t2-*.sh)
#	equivalent NAME FILE		nothing on this host can tell it from
#	why REASON			the original (short of a debugger):
#					applied and built, never run
#	- ORIGINAL	exact text in FILE, found once (several - lines: one
#			text over several lines, joined by newlines)
#	+ REPLACEMENT	(no + line: the text is deleted)
# The texts start after "- " and "+ ", so they may begin with a tab.
list() {
	cat <<'EOF_MUTANTS'
# --- the protocol: byte + 1, then close (README: The protocol)
mutant reply-byte-plus-2 server.c t1
- reply = (unsigned char)(x->byte + 1);
+ reply = (unsigned char)(x->byte + 2);

mutant accepted-socket-never-closed server.c t7
- close(cfd);
+ (void)0;

mutant write-error-logged-as-sent server.c t9
- if (w == -1)
+ if (w == -1 && 0)

# --- where it listens (README: the socket calls, 3 to 5)
mutant no-SO_REUSEADDR server.c t4
- ok = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == 0;
+ ok = 1;

mutant IPV6_V6ONLY-set-not-cleared server.c t3
- IPV6_V6ONLY, &off,
+ IPV6_V6ONLY, &on,

# Seen only where the host's default is IPv6 only (bindv6only=1).
mutant IPV6_V6ONLY-left-at-host-default server.c t9
- if (ok && host == NULL && ai->ai_family == AF_INET6)
+ if (0)

mutant backlog-of-1 server.c t7
- #define BACKLOG		SOMAXCONN
+ #define BACKLOG		1

mutant listening-line-without-getsockname server.c t1
- if (getsockname(lfd, (struct sockaddr *)&addr, &len) == -1) {
+ if (memset(&addr, 0, sizeof addr), addr.ss_family = AF_INET6, 0) {

mutant listening-line-not-flushed server.c t1
- fflush(stdout);	/* no reader (EPIPE) is no reason not to serve */
+ (void)0;

equivalent no-IPv4-only-fallback server.c
why this host has IPv6 (a socket bound to :: works here, in a new netns too), so the fallback to IPv4 alone is never taken
- fd = open_listener(NULL, port, AF_INET, &gai);
+ (void)0;

# --- the timeout (-t)
mutant timeout-never-set server.c t2
- tv.tv_sec = (time_t)seconds;
+ tv.tv_sec = 0;

mutant timeout-option-ignored server.c t2
- if (set_timeout(lfd, timeout) == -1) {
+ if (set_timeout(lfd, DEFAULT_TIMEOUT) == -1) {

equivalent timeout-fallback-never-used server.c
why Linux copies SO_RCVTIMEO from the listening socket to each accepted one (checked here), so has_timeout is always true and the fallback is dead code
- if (!inherits)
+ if (0)

equivalent timeout-not-set-on-listener server.c
why the fallback then sets it on each client (has_timeout is false), so clients time out alike; the one other effect, accept waking every -t s, covers a SIGTERM handled between the stop check and accept, a window of a few instructions no test can hit short of stopping the server in a debugger
- if (set_timeout(lfd, timeout) == -1) {
+ if (0) {

# --- the reply-preserving close and the lingering close (README: the trap)
mutant read-one-byte-only server.c t1
- read_request(in, buf, sizeof buf)
+ read_request(in, buf, 1)

mutant lingering-close-for-every-client server.c t1 t2 t9
- unsigned char buf[512], reply;
+ unsigned char buf[1], reply;

mutant drain-never-called server.c t1 t2 t9
- drain(in, out, buf, sizeof buf, timeout);
+ (void)0;

mutant drain-without-FIN-first server.c t1 t2 t9
- if (shutdown(out, SHUT_WR) == -1)
+ if (0)

mutant drain-waits-for-EOF-unbounded server.c t2
- if ((r = poll(&pfd, 1, (int)left)) == -1 && errno == EINTR)
+ if ((r = poll(&pfd, 1, -1)) == -1 && errno == EINTR)

mutant drain-deadline-restarts-on-each-read server.c t9
- if (r != 1 || (n = read(in, buf, size)) == 0 ||
+ if (r != 1 || (end = now_ms() + timeout * 1000, n = read(in, buf, size)) == 0 ||

# --- signals and errors
mutant SIGPIPE-not-ignored-server server.c t2 t9
- signal(SIGPIPE, SIG_IGN);
+ (void)0;

mutant SIGTERM-not-caught server.c t4
- sigaction(SIGTERM, &sa, NULL);
+ (void)0;

mutant SIGTERM-does-not-stop server.c t4
- stop = 1;
+ (void)sig;

mutant read-EINTR-not-retried server.c t4
- while ((n = read(fd, buf, size)) == -1 && errno == EINTR)
- 		;
+ n = read(fd, buf, size);

equivalent write-EINTR-not-retried server.c
why the one-byte write goes into the empty send buffer of a new connection: it never sleeps, so no signal can interrupt it
- while ((w = write(out, &reply, 1)) == -1 && errno == EINTR)
- 		;
+ w = write(out, &reply, 1);

mutant accept-EINTR-fatal server.c t4
- case EBADF:
+ case EINTR: case EBADF:

equivalent accept-ECONNABORTED-fatal server.c
why Linux TCP never fails accept with ECONNABORTED: a connection reset while queued is still handed over (checked here) and its read fails instead
- case EBADF:
+ case ECONNABORTED: case EBADF:

# Out of descriptors (ulimit -n): a line a second, and serving on.
mutant accept-EMFILE-fatal server.c t9
- sleep(1);	/* out of resources: let some free */
- 		return 0;
+ return -1;

mutant accept-EMFILE-no-pause server.c t9
- sleep(1);
+ (void)0;

mutant server-std-fds-not-opened server.c t9
- if (open_std_fds() == -1) {
+ if (0) {

# --- the log
mutant quiet-ignored server.c t1
- o->quiet = 1;
+ o->quiet = 0;

mutant IPv4-client-logged-as-v4-mapped server.c t3
- if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
+ if (0)

mutant log-shows-DEL-as-printable server.c t1
- if (c >= 0x20 && c < 0x7f)
+ if (c >= 0x20 && c <= 0x7f)

mutant closed-without-sending-not-logged server.c t2
- else if (x->n == 0)
+ else if (0)

mutant log-blocks-on-a-stalled-pipe server.c t9
- if (log->pipe && (poll(&pfd, 1, 0) != 1 || pfd.revents != POLLOUT)) {
+ if (0) {

mutant log-fifo-not-seen-as-a-pipe server.c t9
- (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
+ S_ISSOCK(st.st_mode);

mutant dropped-lines-never-reported server.c t9
- if (log->dropped > 0) {
+ if (0) {

mutant dropped-count-not-reported-at-exit server.c t9
- log_line(&log, "");
+ (void)0;

# --- -i, inetd mode
mutant inetd-logs-into-the-connection server.c t8
- open_log(&log, quiet || same_file(0, 2) ? -1 : 2);
+ open_log(&log, quiet ? -1 : 2);

mutant inetd-quiet-ignored server.c t8
- open_log(&log, quiet || same_file(0, 2) ? -1 : 2);
+ open_log(&log, same_file(0, 2) ? -1 : 2);

mutant inetd-exit-status-always-0 server.c t8
- return x.n > 0 && x.err == 0 ? 0 : 1;
+ return 0;

mutant inetd-no-peer-check server.c t8
- if (getpeername(0, (struct sockaddr *)&peer, &len) == -1) {
+ if (memset(&peer, 0, sizeof peer), getpeername(0, (struct sockaddr *)&peer, &len) == -1 && 0) {

mutant inetd-no-timeout server.c t8
- if (set_timeout(0, timeout) == -1) {
+ if (set_timeout(0, 0) == -1) {

# --- systemd socket activation
mutant LISTEN_PID-not-checked server.c t8
- parse_number(pid, 1, LONG_MAX) != (long)getpid())
+ parse_number(pid, 1, LONG_MAX) == -1)

mutant no-i-serves-a-connection-as-a-daemon server.c t8
- if (is_tcp_connection(0)) {
+ if (0) {

mutant no-i-message-into-the-connection server.c t8
- if (!same_file(0, 2))
+ if (1)

mutant empty-b-accepted server.c t5
- if (*optarg == '\0') {
+ if (0) {

mutant LISTEN_FDS-0-opens-its-own server.c t8
- if ((nfds = listen_fds()) == -1)
+ if ((nfds = listen_fds()) <= 0)

mutant LISTEN_FDS-2-accepted server.c t8
- if (nfds != 1) {
+ if (nfds < 1) {

mutant LISTEN_FDS-with-a-port-accepted server.c t8
- if (o->host != NULL || o->port != NULL) {
+ if (0) {

mutant fd-3-not-checked server.c t8
- if (check_listener(LISTEN_FD) == -1) {
+ if (0) {

mutant fd-3-left-non-blocking server.c t8
- return fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
+ return 0;

equivalent LISTEN-variables-not-unset server.c
why the server never reads its environment again nor starts a process, and unsetenv does not change /proc/PID/environ: nobody can see the variables stay
- unsetenv("LISTEN_PID");
- 	unsetenv("LISTEN_FDS");
- 	unsetenv("LISTEN_FDNAMES");
+ (void)0;

# --- arguments
mutant server-port-65536-accepted server.c t5
- parse_number(argv[0], 0, 65535)
+ parse_number(argv[0], 0, 65536)

mutant server-timeout-0-accepted server.c t5
- o->timeout = parse_number(optarg, 1, MAX_TIMEOUT);
+ o->timeout = parse_number(optarg, 0, MAX_TIMEOUT);

# --- the client
mutant client-wrong-reply-accepted client.c t6
- if (reply != (unsigned char)(byte + 1)) {
+ if (0) {

mutant client-no-reply-not-detected client.c t6
- if (n == 0) {
+ if (0) {

mutant client-tries-only-the-first-address client.c t3
- for (ai = res; ai != NULL && fd == -1; ai = ai->ai_next)
+ for (ai = res; ai == res; ai = ai->ai_next)

mutant client-connect-ignores-t client.c t6
- fd = connect_within(ai, timeout);
+ fd = connect_within(ai, DEFAULT_TIMEOUT);

mutant client-reply-wait-ignores-t client.c t6
- if (wait_for(fd, POLLIN, timeout) == 0)
+ if (wait_for(fd, POLLIN, DEFAULT_TIMEOUT) == 0)

equivalent client-wait-restarts-after-a-stop client.c
why the client catches no signal, so poll never returns EINTR: after a stop and continue Linux restarts it itself, to the first deadline (t9's ^Z test passes with this mutant); the loop that recomputes the time left never runs again
- if ((left = end - now_ms()) <= 0) {
+ if ((left = seconds * 1000) <= 0) {

mutant client-hex-byte-read-as-decimal client.c t1
- return (int)strtoul(s + 2, NULL, 16);
+ return (int)strtoul(s + 2, NULL, 10);

mutant client-shows-DEL-as-printable client.c t1
- if (c >= 0x20 && c < 0x7f)
+ if (c >= 0x20 && c <= 0x7f)

mutant client-std-fds-not-opened client.c t9
- if (open_std_fds() == -1) {
+ if (0) {

equivalent SIGPIPE-not-ignored-client client.c
why the client writes once, at once after connect: a reset before the connect's SO_ERROR check fails the connect, and only one landing in the microseconds between that check and the write could raise SIGPIPE; no test can put it there short of stopping the client in a debugger
- signal(SIGPIPE, SIG_IGN);
+ (void)0;

mutant client-timeout-0-accepted client.c t5
- if ((timeout = parse_number(optarg, 1, MAX_TIMEOUT)) == -1) {
+ if ((timeout = parse_number(optarg, 0, MAX_TIMEOUT)) == -1) {

mutant client-port-0-accepted client.c t5
- if (parse_number(argv[1], 1, 65535) == -1) {
+ if (parse_number(argv[1], 0, 65535) == -1) {

equivalent client-socket-left-non-blocking client.c
why after connect the client polls before its read, and its one-byte write goes into an empty send buffer: neither would block, so O_NONBLOCK left on changes nothing
- if (fcntl(fd, F_SETFL, flags) == 0)
+ if (1)
EOF_MUTANTS
}

work=$(mktemp -d "${TMPDIR:-/tmp}/mutants.XXXXXX") || exit 1
keep=
cleanup() {
	[ -f "$work/timeout.pid" ] && kill "$(cat "$work/timeout.pid")" 2>/dev/null
	if [ -n "$keep" ]; then
		echo "logs kept in $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'keep=; exit 1' INT TERM

# Split the list into one directory per entry, $work/N: kind, name,
# file, runs (the test prefixes), why, from, to.  Comments and blank lines go.
list | awk -v dir="$work" '
function put(f, s) {
	printf "%s", s >(dir "/" n "/" f)
	close(dir "/" n "/" f)
}
function flush() {
	if (n == 0) return
	put("from", from); put("to", to); put("why", why)
}
/^#/ || /^[ \t]*$/ { next }
$1 == "mutant" || $1 == "equivalent" {
	flush()
	n++
	system("mkdir -p \"" dir "/" n "\"")
	put("kind", $1); put("name", $2); put("file", $3)
	tests = ""
	for (i = 4; i <= NF; i++) tests = tests " " $i
	put("runs", tests)
	from = to = why = ""
	nf = nt = 0
	next
}
$1 == "why" { why = substr($0, 5); next }
/^- / { from = (nf++ ? from "\n" : "") substr($0, 3); next }
/^\+ / { to = (nt++ ? to "\n" : "") substr($0, 3); next }
{ print "mutant list: cannot read line " NR ": " $0 >"/dev/stderr"; exit 1 }
END { flush(); print n >(dir "/count") }
' || exit 1
total=$(cat "$work/count")

# Which to run: the numbers given, or all.
if [ $# -gt 0 ]; then
	chosen=$*
else
	chosen=$(awk -v n="$total" 'BEGIN { for (i = 1; i <= n; i++) print i }')
fi
for i in $chosen; do
	case $i in
	*[!0-9]* | 0*) ;;
	*) [ "$i" -le "$total" ] && continue ;;
	esac
	echo "mutants: no mutant $i (1 to $total)"
	exit 1
done

# files TESTS: the test files for prefixes such as "t2 t9", those that
# exist; none for the whole suite.
files() {
	out=
	for p in $1; do
		for f in tests/"$p"-*.sh; do
			[ -f "$f" ] && out="$out $f"
		done
	done
	echo "$out"
}

# A snapshot of the sources, so that edits during the run change nothing,
# and the unmutated build of both programs from it.
for p in tests/load tests/fake; do
	[ -x "$p" ] || { echo "mutants: $p is not built (make mutants)"; exit 1; }
done
mkdir -p "$work/src" "$work/base/tests" &&
cp server.c client.c "$work/src/" &&
cp tests/load tests/fake "$work/base/tests/" || exit 1
for p in server client; do
	# shellcheck disable=SC2086
	cc $STD -o "$work/base/$p" "$work/src/$p.c" 2>"$work/base/cc.log" || {
		cat "$work/base/cc.log"
		echo "mutants: the unmutated $p.c does not build"
		exit 1
	}
done

# Apply and build every chosen mutant first, so that a list that no longer
# fits the code shows at once.  $work/N/ready marks the ones to run.
broken=0
for i in $chosen; do
	d=$work/$i
	name=$(cat "$d/name") file=$(cat "$d/file")
	case $file in
	server.c | client.c) ;;
	*)
		echo "mutant $i: $file is neither server.c nor client.c ($name)"
		broken=$((broken + 1)); continue ;;
	esac
	# The original text must be there exactly once: a fixed string, not
	# a pattern, found in the whole file (it may span lines).
	FROM=$(cat "$d/from") TO=$(cat "$d/to") awk '
	BEGIN { from = ENVIRON["FROM"]; to = ENVIRON["TO"] }
	{ s = s $0 "\n" }
	END {
		if (from == "")
			exit 2
		while ((k = index(s, from)) > 0) {
			out = out substr(s, 1, k - 1) to
			s = substr(s, k + length(from))
			n++
		}
		if (n != 1)
			exit (n == 0 ? 2 : 3)
		printf "%s", out s
	}' "$work/src/$file" >"$d/$file"
	case $? in
	0) ;;
	2)
		echo "mutant $i: original text not found in $file ($name)"
		broken=$((broken + 1)); continue ;;
	*)
		echo "mutant $i: original text found more than once in $file ($name)"
		broken=$((broken + 1)); continue ;;
	esac
	# Beside it: the unmutated other program, and the helpers.
	mkdir -p "$d/tests" &&
	cp "$work/base/server" "$work/base/client" "$d/" &&
	cp "$work/base/tests/load" "$work/base/tests/fake" "$d/tests/" || exit 1
	# shellcheck disable=SC2086
	if ! cc $STD -o "$d/${file%.c}" "$d/$file" 2>"$d/cc.log"; then
		echo "mutant $i: not built ($name):"
		sed 's/^/#   /' "$d/cc.log" | head -n 10
		broken=$((broken + 1)); continue
	fi
	: >"$d/ready"
done

# suite DIR FILES: run the suite against the build in DIR, its output in
# DIR/suite.out and its temporary files in DIR; its status, 124 or 137 on
# timeout.  timeout puts it in a process group of its own and ends the
# whole group, servers and all (-k: KILL, for those that ignore TERM).
# The subshell keeps the shell's "Killed" notice out of our output; it
# runs in the background, as a signal to us would wait for a foreground
# command to end, and $work/timeout.pid lets cleanup end the run then.
suite() {
	(
		# shellcheck disable=SC2086
		BIN=$1 TMPDIR=$1 timeout -k 10 "$limit" sh tests/run.sh $2 \
		    >"$1/suite.out" 2>&1 &
		echo $! >"$work/timeout.pid"
		wait $!
	) 2>/dev/null &
	wait $!
	st=$?
	rm -f "$work/timeout.pid"
	return $st
}

# The suite must pass unmutated, over every file the mutants to run use:
# else a failure would say nothing about a mutant.
need=''
whole=''
union=''
for i in $chosen; do
	[ -f "$work/$i/ready" ] || continue
	[ "$(cat "$work/$i/kind")" = mutant ] || continue
	need=yes
	f=$(files "$(cat "$work/$i/runs")")
	[ -n "$f" ] || whole=yes
	union="$union $f"
done
if [ -n "$need" ]; then
	[ -n "$whole" ] && union=
	# shellcheck disable=SC2086
	union=$(printf '%s\n' $union | sort -u)
	if ! suite "$work/base" "$union"; then
		keep=yes
		sed -n '/^not ok/p' "$work/base/suite.out" | head -n 5
		echo "mutants: the suite fails on the unmutated build"
		exit 1
	fi
	echo "# unmutated: $(tail -n 1 "$work/base/suite.out")"
fi

killed=0 survived=0 equivalent=0
for i in $chosen; do
	d=$work/$i
	[ -f "$d/ready" ] || continue
	name=$(cat "$d/name")
	if [ "$(cat "$d/kind")" = equivalent ]; then
		echo "equivalent $i $name: $(cat "$d/why")"
		equivalent=$((equivalent + 1))
		continue
	fi
	f=$(files "$(cat "$d/runs")")
	suite "$d" "$f"
	st=$?
	if [ $st -eq 0 ]; then
		echo "SURVIVED $i $name (ran:${f:- the whole suite})"
		survived=$((survived + 1))
		keep=yes
	elif [ $st -eq 124 ] || [ $st -eq 137 ]; then
		echo "killed  $i $name (timeout: the suite still ran after $limit s)"
		killed=$((killed + 1))
	else
		by=$(sed -n '/^not ok/{p;q;}' "$d/suite.out")
		echo "killed  $i $name (by: ${by:-$(tail -n 1 "$d/suite.out")})"
		killed=$((killed + 1))
	fi
done

score="$killed killed, $survived survived, $equivalent equivalent"
[ $broken -eq 0 ] || score="$score, $broken not applied or not built"
echo "mutants: $score (of $(echo "$chosen" | wc -w))"
[ $survived -eq 0 ] && [ $broken -eq 0 ]
