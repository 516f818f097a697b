/* load.c: drive the one-byte echo server with many clients. */
/* SPDX-License-Identifier: Unlicense */
/*
 * load [-c concurrency] [-n connections] [-T seconds] [-m mode] [-d ms]
 *      [-s bytes] [host] port
 *
 * Opens n connections in all, c at a time (one thread each).  A good
 * client sends byte i % 256, reads the reply and checks it is byte + 1.
 * The other modes are the clients a real server meets: silent, close,
 * reset, reset-after-send, extra, slow; shut-reset (send, half-close,
 * reset: the server's reply meets a dead socket, EPIPE); trickle (a full
 * buffer, then a byte every -d ms after the reply, to the end of the
 * deadline or until the server lets go); full (a full buffer, the reply,
 * then wait for the server's close).  The clients nc plays, each reading
 * to EOF and wanting exactly one byte: line (the byte and a newline, then
 * half-close, as `printf 'r\n' | nc -N`), big (the byte and -s bytes
 * more in 16 KiB writes, then half-close), hold (the same, then it keeps
 * its side open -d ms after the server's EOF).  Prints one line; exits 1
 * if any connection went wrong or missed the deadline, 2 on usage errors.
 * listen is a server instead, on host and port (0: any): it prints
 * "load: listening on HOST port N", takes one connection, never answers,
 * and copies what it receives to stdout until EOF or the deadline.
 * activate plays systemd: load -m activate host port program [arg ...]
 * listens on host and port, makes the socket non-blocking (as systemd's
 * NonBlocking=yes), and execs program with it as fd 3, LISTEN_PID and
 * LISTEN_FDS set.  inetd (the same arguments) plays inetd for one
 * connection: it prints the listening line, accepts, and execs program
 * with the connection as fds 0 and 1.
 */

#define _POSIX_C_SOURCE 200809L

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The clients, then the servers (from LISTEN), of which the last exec. */
enum mode { GOOD, SILENT, CLOSE, RESET, RESET_AFTER_SEND, EXTRA, SLOW,
    SHUT_RESET, TRICKLE, FULL, LINE, BIG, HOLD, LISTEN, ACTIVATE, INETD };
static const char *mode_names[] = { "good", "silent", "close", "reset",
    "reset-after-send", "extra", "slow", "shut-reset", "trickle", "full",
    "line", "big", "hold", "listen", "activate", "inetd" };
#define NMODES (sizeof mode_names / sizeof *mode_names)

enum result { OK, WRONG, ERROR };

static struct addrinfo *target;
static enum mode mode = GOOD;
static long total = 1000, delay_ms = 500, size = 2000;
static double deadline;		/* monotonic seconds */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long next, counts[3];
static long *latency;		/* microseconds, per good reply */
static long nlatency;

static void
usage(void)
{
	fprintf(stderr, "usage: load [-c concurrency] [-n connections] "
	    "[-T seconds] [-m mode] [-d ms] [-s bytes] [host] port\n"
	    "       load -m activate|inetd host port program [arg ...]\n");
	exit(2);
}

static long
parse_number(const char *s, long min, long max)
{
	char *end;
	long n;

	if (*s < '0' || *s > '9')
		usage();
	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max)
		usage();
	return n;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
on_alarm(int sig)
{
	static const char msg[] = "load: hard deadline passed\n";

	(void)sig;
	(void)write(2, msg, sizeof msg - 1);
	_exit(1);
}

/* Milliseconds left before the deadline, at least 1. */
static int
left_ms(void)
{
	double left = deadline - now();

	return left < 0.001 ? 1 : (int)(left * 1000);
}

/* Wait for fd to be ready for events, no later than the deadline. */
static int
wait_for(int fd, short events)
{
	struct pollfd pfd;
	int r;

	pfd.fd = fd;
	pfd.events = events;
	while ((r = poll(&pfd, 1, left_ms())) == -1 && errno == EINTR)
		;
	if (r == 0)
		errno = ETIMEDOUT;
	return r > 0 ? 0 : -1;
}

/* A non-blocking socket, connected, or -1. */
static int
connect_target(void)
{
	int fd, err;
	socklen_t len = sizeof err;

	fd = socket(target->ai_family, target->ai_socktype,
	    target->ai_protocol);
	if (fd == -1)
		return -1;
	if (fcntl(fd, F_SETFL, O_NONBLOCK) == -1)
		goto fail;
	if (connect(fd, target->ai_addr, target->ai_addrlen) == 0)
		return fd;
	if (errno != EINPROGRESS || wait_for(fd, POLLOUT) == -1 ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1 || err != 0)
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

static int
send_bytes(int fd, const unsigned char *buf, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if (wait_for(fd, POLLOUT) == -1)
			return -1;
		if ((w = write(fd, buf, n)) == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -1;
		}
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Read one byte: 1, 0 on EOF, -1 on error or deadline. */
static int
recv_byte(int fd, unsigned char *c)
{
	ssize_t r;

	for (;;) {
		if (wait_for(fd, POLLIN) == -1)
			return -1;
		if ((r = read(fd, c, 1)) >= 0)
			return (int)r;
		if (errno != EINTR && errno != EAGAIN)
			return -1;
	}
}

static void
hard_close(int fd)
{
	struct linger l = { 1, 0 };	/* close sends a reset */

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
	close(fd);
}

/* Count the time since start, in microseconds, among the latencies. */
static void
add_latency(double start)
{
	pthread_mutex_lock(&lock);
	latency[nlatency++] = (long)((now() - start) * 1e6);
	pthread_mutex_unlock(&lock);
}

/*
 * A full buffer, the reply, then a byte every delay_ms while the server
 * reads them (trickle), or nothing (full: wait for the server's EOF).
 * Its "latency" is how long the server held on after the reply: until a
 * write fails or EOF comes (the server closed), or the deadline.
 */
static enum result
after_full(int fd, unsigned char c)
{
	unsigned char big[600], in;
	struct timespec ts;
	enum result res = OK;
	double replied;

	memset(big, c, sizeof big);
	if (send_bytes(fd, big, sizeof big) == -1 || recv_byte(fd, &in) != 1)
		res = ERROR;
	else if (in != (unsigned char)(c + 1))
		res = WRONG;
	replied = now();
	if (res == OK && mode == FULL && recv_byte(fd, &in) != 0)
		res = ERROR;
	while (res == OK && mode == TRICKLE && now() < deadline &&
	    send_bytes(fd, big, 1) == 0) {
		ts.tv_sec = delay_ms / 1000;
		ts.tv_nsec = delay_ms % 1000 * 1000000L;
		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			;
	}
	close(fd);
	if (res == OK)
		add_latency(replied);
	return res;
}

/*
 * Read to EOF, as nc does: the reply must be exactly one byte, c + 1.
 * A second byte, or EOF before any, is a wrong reply.
 */
static enum result
reply_to_eof(int fd, unsigned char c)
{
	unsigned char in;
	enum result res = OK;
	long got = 0;
	int r;

	while ((r = recv_byte(fd, &in)) == 1)
		if (got++ > 0 || in != (unsigned char)(c + 1))
			res = WRONG;
	if (r == -1)
		return ERROR;
	return got == 0 ? WRONG : res;
}

/*
 * The clients nc plays (line, big, hold): the byte c, then a newline or
 * size bytes of another value (so that a log of the wrong byte shows),
 * in writes of 16 KiB at most as nc makes them; then read to EOF.
 */
static enum result
as_nc(int fd, unsigned char c)
{
	unsigned char buf[16384];
	struct timespec ts;
	size_t n, sent, all = 1 + (mode == LINE ? 1 : (size_t)size);
	enum result res = OK;

	memset(buf, mode == LINE ? '\n' : c ^ 0x80, sizeof buf);
	for (sent = 0; res == OK && sent < all; sent += n) {
		n = all - sent < sizeof buf ? all - sent : sizeof buf;
		buf[0] = sent == 0 ? c : buf[1];
		if (send_bytes(fd, buf, n) == -1)
			res = ERROR;
	}
	if (res == OK && mode != HOLD && shutdown(fd, SHUT_WR) == -1)
		res = ERROR;
	if (res == OK)
		res = reply_to_eof(fd, c);
	ts.tv_sec = delay_ms / 1000;
	ts.tv_nsec = delay_ms % 1000 * 1000000L;
	while (mode == HOLD && nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
	close(fd);
	return res;
}

/* The modes that send no more than a byte and want no reply. */
static enum result
no_reply(int fd, const unsigned char *out)
{
	unsigned char in;
	int r = 0;

	switch (mode) {
	case CLOSE:
		close(fd);
		return OK;
	case RESET_AFTER_SEND:
		r = send_bytes(fd, out, 1);
		break;
	case SHUT_RESET:
		r = send_bytes(fd, out, 1);
		if (r == 0)
			r = shutdown(fd, SHUT_WR);
		break;
	case SILENT:
		/* Hold until the server drops us: that is the success. */
		r = recv_byte(fd, &in);
		close(fd);
		return r == 0 || (r == -1 && errno == ECONNRESET) ? OK : ERROR;
	default:
		break;
	}
	hard_close(fd);
	return r == 0 ? OK : ERROR;
}

/* One connection of the run's mode; adds its latency when it got a reply. */
static enum result
one(long i)
{
	unsigned char out[4], in;
	struct timespec ts;
	double start = now();
	int fd;
	enum result res = OK;

	out[0] = (unsigned char)(i % 256);
	out[1] = '\r';
	out[2] = '\n';
	out[3] = 'x';
	if ((fd = connect_target()) == -1)
		return ERROR;
	switch (mode) {
	case CLOSE:
	case RESET:
	case RESET_AFTER_SEND:
	case SHUT_RESET:
	case SILENT:
		return no_reply(fd, out);
	case TRICKLE:
	case FULL:
		return after_full(fd, out[0]);
	case LINE:
	case BIG:
	case HOLD:
		if ((res = as_nc(fd, out[0])) == OK)
			add_latency(start);
		return res;
	case SLOW:
		ts.tv_sec = delay_ms / 1000;
		ts.tv_nsec = delay_ms % 1000 * 1000000L;
		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			;
		break;
	default:
		break;
	}
	if (send_bytes(fd, out, mode == EXTRA ? sizeof out : 1) == -1 ||
	    recv_byte(fd, &in) != 1)
		res = ERROR;
	else if (in != (unsigned char)(out[0] + 1))
		res = WRONG;
	close(fd);
	if (res == OK)
		add_latency(start);
	return res;
}

static void *
worker(void *arg)
{
	long i;
	enum result r;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&lock);
		i = next < total && now() < deadline ? next++ : -1;
		pthread_mutex_unlock(&lock);
		if (i == -1)
			return NULL;
		r = one(i);
		pthread_mutex_lock(&lock);
		counts[r]++;
		pthread_mutex_unlock(&lock);
	}
}

static int
cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

static long
percentile(int p)
{
	if (nlatency == 0)
		return 0;
	return latency[(nlatency - 1) * p / 100];
}

/* The one line of the run's counts and latencies. */
static void
report(double elapsed)
{
	qsort(latency, (size_t)nlatency, sizeof *latency, cmp_long);
	printf("mode %s connections %ld ok %ld wrong %ld errors %ld "
	    "seconds %.3f conn/s %.0f p50_us %ld p99_us %ld max_us %ld\n",
	    mode_names[mode], next, counts[OK], counts[WRONG], counts[ERROR],
	    elapsed, (double)next / elapsed, percentile(50), percentile(99),
	    nlatency ? latency[nlatency - 1] : 0L);
}

/* The target of the run, into target; 0, or getaddrinfo's error. */
static int
resolve(const char *host, const char *port)
{
	struct addrinfo hints;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	return getaddrinfo(host, port, &hints, &target);
}

/* A listening socket on target, or -1. */
static int
listen_on_target(void)
{
	int fd, on = 1;

	if ((fd = socket(target->ai_family, SOCK_STREAM, 0)) == -1)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == -1 ||
	    bind(fd, target->ai_addr, target->ai_addrlen) == -1 ||
	    listen(fd, 16) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Print "load: listening on HOST port N" for the socket fd; -1 if not. */
static int
print_listening(int fd)
{
	struct sockaddr_storage sa;
	socklen_t len = sizeof sa;
	char host[64], port[16];

	if (getsockname(fd, (struct sockaddr *)&sa, &len) == -1 ||
	    getnameinfo((struct sockaddr *)&sa, len, host, sizeof host,
	    port, sizeof port, NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		return -1;
	printf("load: listening on %s port %s\n", host, port);
	return fflush(stdout) == EOF ? -1 : 0;
}

/*
 * activate: exec argv (a program and its arguments) with a non-blocking
 * listening socket on target as fd 3, as systemd passes it; inetd: with
 * one connection as fds 0 and 1.  Only a failure returns: -1.
 */
static int
supervise(char *argv[])
{
	char pid[32];
	int fd, in = 3;

	if ((fd = listen_on_target()) == -1)
		return -1;
	if (mode == INETD && (print_listening(fd) == -1 ||
	    wait_for(fd, POLLIN) == -1 || (fd = accept(fd, NULL, NULL)) == -1 ||
	    dup2(fd, 1) == -1))
		return -1;
	if (mode == INETD)
		in = 0;
	else if (fcntl(fd, F_SETFL, O_NONBLOCK) == -1)
		return -1;
	if (fd != in && (dup2(fd, in) == -1 || close(fd) == -1))
		return -1;
	snprintf(pid, sizeof pid, "%ld", (long)getpid());
	if (mode == ACTIVATE && (setenv("LISTEN_PID", pid, 1) == -1 ||
	    setenv("LISTEN_FDS", "1", 1) == -1))
		return -1;
	/* The program gets none of load's alarm and ignored SIGPIPE. */
	alarm(0);
	signal(SIGPIPE, SIG_DFL);
	execv(argv[0], argv);
	return -1;
}

/*
 * listen: a server that never answers, for the client's tests.  What the
 * client sent, byte for byte, follows the listening line on stdout.
 */
static int
listen_once(void)
{
	char buf[512];
	int lfd, fd;
	ssize_t r;

	if ((lfd = listen_on_target()) == -1 || print_listening(lfd) == -1)
		return -1;
	if (wait_for(lfd, POLLIN) == -1 || (fd = accept(lfd, NULL, NULL)) == -1)
		return -1;
	while (wait_for(fd, POLLIN) == 0 && (r = read(fd, buf, sizeof buf)) > 0)
		fwrite(buf, 1, (size_t)r, stdout);
	close(fd);
	close(lfd);
	return fflush(stdout) == EOF ? -1 : 0;
}

/* Start conc workers and wait for them all; -1 if none would start. */
static int
run_threads(pthread_t *threads, long conc)
{
	pthread_attr_t attr;
	long i, started;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, (size_t)256 * 1024);
	for (started = 0; started < conc; started++)
		if (pthread_create(&threads[started], &attr, worker, NULL) != 0)
			break;
	pthread_attr_destroy(&attr);
	for (i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	return started == 0 ? -1 : 0;
}

/* The options, into the globals; returns how many arguments they took. */
static int
parse_options(int argc, char *argv[], long *conc, long *secs)
{
	size_t m;
	int ch;

	while ((ch = getopt(argc, argv, "c:n:T:m:d:s:")) != -1) {
		switch (ch) {
		case 'c':
			*conc = parse_number(optarg, 1, 4096);
			break;
		case 'n':
			total = parse_number(optarg, 1, 100000000);
			break;
		case 'T':
			*secs = parse_number(optarg, 1, 3600);
			break;
		case 'd':
			delay_ms = parse_number(optarg, 0, 3600000);
			break;
		case 's':
			size = parse_number(optarg, 0, 100000000);
			break;
		case 'm':
			for (m = 0; m < NMODES; m++)
				if (strcmp(optarg, mode_names[m]) == 0)
					break;
			if (m == NMODES)
				usage();
			mode = (enum mode)m;
			break;
		default:
			usage();
		}
	}
	return optind;
}

int
main(int argc, char *argv[])
{
	pthread_t *threads;
	const char *host = "127.0.0.1";
	long conc = 1, secs = 60;
	double t0, elapsed;
	int gai;

	optind = parse_options(argc, argv, &conc, &secs);
	argc -= optind;
	argv += optind;
	if (mode >= ACTIVATE ? argc < 3 : argc != 1 && argc != 2)
		usage();
	if (argc >= 2)
		host = *argv++;
	/* A server may take port 0; a client needs a real one. */
	parse_number(argv[0], mode >= LISTEN ? 0 : 1, 65535);

	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, on_alarm);
	alarm((unsigned)secs + 5);	/* should every poll bound fail */

	if ((gai = resolve(host, argv[0])) != 0) {
		fprintf(stderr, "load: %s: %s\n", host, gai_strerror(gai));
		return 1;
	}
	deadline = now() + (double)secs;
	/* supervise returns only when it failed: it execs the program. */
	if ((mode >= ACTIVATE && supervise(argv + 1) == -1) ||
	    (mode == LISTEN && listen_once() == -1)) {
		fprintf(stderr, "load: %s: %s\n", mode_names[mode],
		    strerror(errno));
		return 1;
	}
	if (mode == LISTEN)
		return 0;
	if (conc > total)
		conc = total;
	if ((latency = calloc((size_t)total, sizeof *latency)) == NULL ||
	    (threads = calloc((size_t)conc, sizeof *threads)) == NULL) {
		fprintf(stderr, "load: out of memory\n");
		return 1;
	}
	t0 = now();
	deadline = t0 + (double)secs;
	if (run_threads(threads, conc) == -1) {
		fprintf(stderr, "load: cannot start threads\n");
		free(threads);
		return 1;
	}
	elapsed = now() - t0;

	report(elapsed);
	freeaddrinfo(target);
	free(latency);
	free(threads);
	return counts[OK] == total ? 0 : 1;
}
