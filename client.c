/* SPDX-License-Identifier: Unlicense */
/*
 * client.c: a client for the TCP one-byte echo server.  It sends a byte
 * and checks the reply: that byte plus one, then the server's close.  Bare,
 * with no error checks and no time limit, a client is these calls:
 *	getaddrinfo("localhost", "29008", &hints, &ai);	name to address
 *	fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
 *	connect(fd, ai->ai_addr, ai->ai_addrlen);	TCP's handshake
 *	write(fd, &byte, 1);
 *	read(fd, &reply, 1);
 *	close(fd);
 * This file makes them (in resolve, connect_one, send_byte, read_reply,
 * main), checks each, within one deadline.  Read it top to bottom, up to
 * the banner line "---- What only a health check needs"; on a first
 * reading, skip what is marked "Safeguard".
 */

#define _POSIX_C_SOURCE 200809L

#include <sys/types.h>
#include <sys/socket.h>

#include <ctype.h>
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

#define REPLY_MAX	64	/* room for the byte, and to see any more */

/* What the command line asked for (parse_options, below the banner). */
struct options {
	const char *host, *port;	/* the server */
	unsigned char byte;		/* -c: the byte we send */
	long timeout_ms;		/* -t: the time the check may take */
	int family;			/* -4, -6; else AF_UNSPEC */
	const char *source;		/* -s: our address, or NULL */
	long wait_ms;			/* -w: 0 when not given */
	const char *timeout_text, *wait_text;	/* as given, for messages */
	int quiet, verbose, stamps;	/* -q, -v, -D */
	long count, interval_ms;	/* -n: -1 when not given; -i */
};

/* One check as it goes, and the step of it that failed. */
enum step { SOURCE, RESOLVE, BIND, CONNECT, SEND, READ };
struct check {
	long long deadline;		/* when -t runs out (now_us's clock) */
	unsigned char reply[REPLY_MAX];	/* what the server sent */
	size_t len;
	enum step failed;		/* the step that failed, and why: */
	int gai, err;			/* a getaddrinfo error, or errno */
	struct sockaddr_storage addr;	/* the address that answered: */
	socklen_t addrlen;		/* a sockaddr_storage fits any family */
	struct sockaddr_storage source;	/* -s; sourcelen 0 without it */
	socklen_t sourcelen;
	long long wait_end, pause;	/* -w: when it runs out, next pause */
	int waited;			/* -w ran out */
	long long started, connected, sent, replied;	/* -v's, -n's times */
};

static const char *prog = "client";	/* the name we were run as */

static struct addrinfo *resolve(const struct options *, struct check *);
static int	connect_any(struct check *, struct addrinfo *);
static int	connect_one(const struct addrinfo *, struct check *, long long);
static int	wait_until(int, short, long long);
static long long now_us(void);
static int	send_byte(int, unsigned char, struct check *);
static int	read_reply(int, struct check *);
static int	judge(const struct options *, const struct check *);
static void	format_byte(unsigned char, char *, size_t);
static void	parse_options(int, char *[], struct options *);
static int	setup(const struct options *, struct check *);
static int	lookup(const char *, const char *, const struct addrinfo *,
	    struct addrinfo **, struct check *);
static int	resolve_source(const struct options *, struct check *);
static int	bind_source(int, struct check *);
static int	retry(const struct options *, struct check *);
static int	fail_connect(const struct options *, const struct check *);
static int	fail_exchange(const struct options *, const struct check *);
static void	format_bytes(const unsigned char *, size_t, char *, size_t);
static void	print_times(const struct check *);
static int	repeat(const struct options *, const struct check *);

int
main(int argc, char *argv[])
{
	struct options o;
	struct check c = { 0 };
	struct addrinfo *res;
	int fd = -1;

	parse_options(argc, argv, &o);
	if (setup(&o, &c) == -1)	/* -s, -w, safeguards: see the banner */
		return 1;
	signal(SIGPIPE, SIG_IGN);	/* a closed socket: EPIPE, not death */
	if (o.count != -1)	/* -n: checks one after another, as ping */
		return repeat(&o, &c);

	/*
	 * Find the server's addresses, and connect to one of them.  -t bounds
	 * the whole check.  With -w, a server not up yet is tried again.
	 */
	do {
		c.deadline = now_us() + (long long)o.timeout_ms * 1000;
		if ((res = resolve(&o, &c)) != NULL) {
			fd = connect_any(&c, res);
			freeaddrinfo(res);
		}
	} while (fd == -1 && retry(&o, &c));
	if (fd == -1)
		return fail_connect(&o, &c);

	/* Send the byte; read the reply, and the server's close after it. */
	if (send_byte(fd, o.byte, &c) == -1 || read_reply(fd, &c) == -1)
		return fail_exchange(&o, &c);	/* exit closes fd */
	close(fd);
	return judge(&o, &c);
}

/*
 * Turn the server's name and port into TCP (SOCK_STREAM) addresses, of the
 * family -4, -6 or -s asked for.  localhost often has two: ::1, 127.0.0.1.
 * First as an address written out (AI_NUMERICHOST): that needs no lookup.
 * Safeguard: a name may need a slow DNS server, so lookup makes the same
 * call in a thread that the deadline can cut short (below the banner).
 */
static struct addrinfo *
resolve(const struct options *o, struct check *c)
{
	struct addrinfo hints, *res = NULL;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = c->sourcelen != 0 ? c->source.ss_family : o->family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | AI_NUMERICHOST;	/* numbers only */
	c->failed = RESOLVE;
	c->err = 0;
	c->gai = getaddrinfo(o->host, o->port, &hints, &res);
	if (c->gai == EAI_NONAME)	/* a name, not an address */
		c->gai = lookup(o->host, o->port, &hints, &res, c);
	return res;
}

/*
 * Try each address in turn until one connects.  Safeguard: each gets a share
 * of the time left, so that one that never answers leaves time for the next.
 */
static int
connect_any(struct check *c, struct addrinfo *res)
{
	struct addrinfo *ai;
	long long now;
	int fd, left = 0;

	for (ai = res; ai != NULL; ai = ai->ai_next)
		left++;
	for (ai = res; ai != NULL; ai = ai->ai_next, left--) {
		now = now_us();
		c->started = now;
		fd = connect_one(ai, c, now + (c->deadline - now) / left);
		if (fd != -1) {
			c->connected = now_us();
			memcpy(&c->addr, ai->ai_addr, ai->ai_addrlen);
			c->addrlen = ai->ai_addrlen;
			return fd;
		}
		c->err = errno;	/* the last address's reason is reported */
		if (c->failed == BIND)
			break;	/* the next address would fail the same */
	}
	return -1;
}

/*
 * Make a socket and connect it to one address: socket, then connect.
 * Safeguard: a plain connect waits until TCP's handshake is over, minutes
 * for a host that never answers.  So we connect the portable way with a
 * deadline: 1. make the socket non-blocking: no call on it waits then;
 * 2. connect: it starts the handshake and fails at once with EINPROGRESS;
 * 3. poll until the socket is writable: the handshake is then over, well
 *    or badly (poll returns when an event comes, or at the timeout);
 * 4. read the outcome with getsockopt SO_ERROR: 0 means connected, else
 *    it is the errno that a plain connect would have failed with.
 * Every later wait on it is a poll too (wait_until), to the same deadline.
 */
static int
connect_one(const struct addrinfo *ai, struct check *c, long long end)
{
	socklen_t len;
	int fd, err, saved;

	c->failed = CONNECT;
	if ((fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol)) == -1)
		return -1;
	if (c->sourcelen != 0 && bind_source(fd, c) == -1)	/* -s */
		goto fail;
	if (fcntl(fd, F_SETFL, O_NONBLOCK) == -1)
		goto fail;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return fd;	/* loopback may connect at once */
	if (errno != EINPROGRESS || wait_until(fd, POLLOUT, end) == -1)
		goto fail;
	len = sizeof err;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		goto fail;
	if (err == 0)
		return fd;
	errno = err;
fail:
	saved = errno;	/* close must not change the errno we report */
	close(fd);
	errno = saved;
	return -1;
}

/*
 * Send our byte.  write puts it in the socket's send buffer, where the
 * kernel keeps it until TCP has delivered it.  A new connection's buffer
 * is empty, so the byte goes in at once.  EINTR: a signal came first.
 */
static int
send_byte(int fd, unsigned char byte, struct check *c)
{
	ssize_t n;

	c->failed = SEND;
	c->sent = now_us();
	while ((n = write(fd, &byte, 1)) == -1 && errno == EINTR)
		;
	c->err = errno;	/* used only when write failed */
	return n == 1 ? 0 : -1;
}

/*
 * Read the reply, then the server's close.  A side that closes sends a
 * FIN ("no more data"), and our read then returns 0 (end of file).  We
 * wait for it, so that a server whose greeting merely starts with the
 * byte we expect does not pass.  Each turn waits for something to read,
 * then reads it.  The loop ends at the close, at a second byte (not our
 * server), at an error, or at the deadline.
 */
static int
read_reply(int fd, struct check *c)
{
	ssize_t n;

	c->failed = READ;
	c->len = 0;
	for (;;) {
		if (wait_until(fd, POLLIN, c->deadline) == -1)
			break;	/* the deadline */
		n = read(fd, c->reply + c->len, sizeof c->reply - c->len);
		if (n > 0)
			c->len += (size_t)n;
		if (n == 0 || c->len > 1) {	/* closed, or a 2nd byte */
			c->replied = now_us();
			return 0;
		}
		/* EINTR: a signal came; EAGAIN: no data after all.  Wait. */
		if (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR)
			break;	/* an error */
	}
	c->err = errno;
	return -1;
}

/*
 * Wait until fd is ready for events (POLLIN: something to read; POLLOUT:
 * we can write), or until the deadline: then -1, with errno ETIMEDOUT.
 * Safeguard: a signal, or a stop and continue (^Z, fg), can end poll early
 * (EINTR): the wait then goes on for the time left, never all of it again.
 */
static int
wait_until(int fd, short events, long long deadline)
{
	struct pollfd pfd;
	long long left;
	int r;

	pfd.fd = fd;
	pfd.events = events;
	do {
		if ((left = deadline - now_us()) <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
	} while ((r = poll(&pfd, 1, (int)((left + 999) / 1000))) == -1 &&
	    errno == EINTR);
	if (r == 0)
		errno = ETIMEDOUT;
	return r == 1 ? 0 : -1;
}

/*
 * Microseconds on a clock that nobody sets and that never jumps, for
 * deadlines and times.  The time of day may be set back or forward.
 */
static long long
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

#define SHOWN_MAX	16	/* bytes of a long reply shown in a message */

/*
 * The verdict: up (exit 0) if the server sent exactly one byte, ours
 * plus one, and then closed.  Anything else is said in one line on
 * stderr (exit 1).  The reply goes to stdout, for scripts.
 */
static int
judge(const struct options *o, const struct check *c)
{
	char got[8], want[8], shown[4 * SHOWN_MAX + 8];

	if (c->len == 0) {
		fprintf(stderr, "%s: %s port %s closed the connection without "
		    "replying\n", prog, o->host, o->port);
		return 1;
	}
	if (c->len > 1) {	/* some other server: show what it sent */
		format_bytes(c->reply, c->len, shown, sizeof shown);
		fprintf(stderr, "%s: %s port %s sent more than one byte: %s "
		    "(not a one-byte echo server)\n", prog, o->host, o->port,
		    shown);
		return 1;
	}
	format_byte(c->reply[0], got, sizeof got);
	if (!o->quiet)
		printf("Reply from server: %s\n", got);
	if (o->verbose)
		print_times(c);
	if (c->reply[0] != (unsigned char)(o->byte + 1)) {
		format_byte((unsigned char)(o->byte + 1), want, sizeof want);
		fprintf(stderr, "%s: wrong reply %s from %s port %s: expected "
		    "%s\n", prog, got, o->host, o->port, want);
		return 1;
	}
	return 0;
}

/*
 * A byte as both programs show it: printable ASCII in quotes, so that a
 * space or a quote is visible (' ', '''), and anything else as \xNN.
 */
static void
format_byte(unsigned char c, char *buf, size_t size)
{
	if (c >= 0x20 && c < 0x7f)
		snprintf(buf, size, "'%c'", c);
	else
		snprintf(buf, size, "\\x%02x", c);
}

/* ---- What only a health check needs: options, -w, -n, messages, timing. */

#ifndef VERSION
#define VERSION		"unknown"	/* make passes the release's */
#endif
#define DEFAULT_HOST	"localhost"
#define DEFAULT_PORT	"29008"
#define DEFAULT_TIMEOUT	"5"	/* seconds, as -t takes them */
#define DEFAULT_TIMEOUT_MS 5000
#define PAUSE_FIRST	10000	/* -w: microseconds between tries, at first */
#define PAUSE_MAX	250000	/* and at most */
#define INTERVAL_MS	1000	/* -i: as ping's */
#define COUNT_MAX	2147483647L	/* -n: 2^31 - 1 */

/* A lookup that the deadline can abandon (see lookup). */
struct lookup {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int done, abandoned, gai, err;
	const char *host, *port;
	struct addrinfo hints, *res;
};

static const struct options defaults = { .host = DEFAULT_HOST,
    .port = DEFAULT_PORT, .timeout_text = DEFAULT_TIMEOUT,
    .timeout_ms = DEFAULT_TIMEOUT_MS, .family = AF_UNSPEC, .byte = 'r',
    .count = -1, .interval_ms = -1 };

static void	more_options(int, struct options *);
static void	parse_operands(int, char *[], struct options *);
static void	check_options(struct options *, int);
static long	parse_interval(const char *);
static long	seconds(const char *, const char *, const char **);
static int	parse_char(const char *);
static long	parse_seconds(const char *);
static long	parse_number(const char *, long, long);
static void	bad_option(int);
static void	bad_argument(const char *, const char *);
static void	usage(FILE *, int);
static int	open_std_fds(void);
static void	check_output(void);
static const char *family_limit(const struct options *, const struct check *,
	    char *, size_t);
static const char *gai_reason(const struct check *);
static struct lookup *lookup_start(const char *, const char *,
	    const struct addrinfo *);
static void	*lookup_thread(void *);
static void	lookup_free(struct lookup *);
static void	say_connect(FILE *, const char *, const struct options *,
		    const struct check *);
static void	say_exchange(FILE *, const char *, const struct options *,
		    const struct check *);

/* The command line, checked; usage errors exit 2 from here. */
static void
parse_options(int argc, char *argv[], struct options *o)
{
	int ch, c, families = 0;

	if (argc > 0 && argv[0][0] != '\0')
		prog = strrchr(argv[0], '/') != NULL ? strrchr(argv[0], '/') + 1 :
		    argv[0];
	*o = defaults;
	opterr = 0;	/* its messages would name argv[0] whole, not prog */
	while ((ch = getopt(argc, argv, ":46c:Dhi:n:qs:t:Vvw:")) != -1) {
		switch (ch) {
		case '4':
		case '6':
			families |= ch == '4' ? 1 : 2;
			o->family = ch == '4' ? AF_INET : AF_INET6;
			break;
		case 'c':
			if ((c = parse_char(optarg)) == -1)
				bad_argument("-c takes one byte or \\xNN, not",
				    optarg);
			o->byte = (unsigned char)c;
			break;
		case 'h':
			usage(stdout, 0);
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 's':
			o->source = optarg;
			break;
		case 't':
			o->timeout_ms = seconds(optarg, "invalid timeout",
			    &o->timeout_text);
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'w':
			o->wait_ms = seconds(optarg, "invalid wait", &o->wait_text);
			break;
		default:	/* -D, -i, -n, or an option we do not know */
			more_options(ch, o);
		}
	}
	check_options(o, families);
	parse_operands(argc - optind, argv + optind, o);
}

/* The options of -n's checks one after another; anything else is wrong. */
static void
more_options(int ch, struct options *o)
{
	switch (ch) {
	case 'D':
		o->stamps = 1;
		break;
	case 'i':
		if ((o->interval_ms = parse_interval(optarg)) == -1)
			bad_argument("invalid interval", optarg);
		break;
	case 'n':
		if ((o->count = parse_number(optarg, 0, COUNT_MAX)) == -1)
			bad_argument("invalid count", optarg);
		break;
	case 'V':	/* the name we were run as, and the release */
		printf("%s %s\n", prog, VERSION);
		check_output();
		exit(0);
	default:
		bad_option(ch);
	}
}

/* The options that cannot go together; -i's default. */
static void
check_options(struct options *o, int families)
{
	if (families == 3)
		bad_argument("-4 and -6 cannot be used together", NULL);
	if (o->count == -1 && (o->stamps || o->interval_ms != -1))
		bad_argument("-D and -i go with -n", NULL);
	if (o->interval_ms == -1)
		o->interval_ms = INTERVAL_MS;
}

/* What is left after the options: [host [port]]. */
static void
parse_operands(int argc, char *argv[], struct options *o)
{
	if (argc > 2)
		usage(stderr, 2);
	if (argc >= 1)
		o->host = argv[0];
	if (argc == 2 && parse_number(argv[1], 1, 65535) == -1)
		bad_argument("invalid port", argv[1]);
	if (argc == 2)
		o->port = argv[1];
}

/* -t or -w's argument: its milliseconds; *text keeps it for messages. */
static long
seconds(const char *arg, const char *what, const char **text)
{
	long ms;

	if ((ms = parse_seconds(arg)) == -1)
		bad_argument(what, arg);
	*text = arg;
	return ms;
}

/* -c takes one byte, or \xNN for any byte (0 cannot be in an argument). */
static int
parse_char(const char *s)
{
	if (s[0] != '\0' && s[1] == '\0')
		return (unsigned char)s[0];
	/* Check the digits first: strtoul would take a sign or "0x". */
	if (s[0] == '\\' && s[1] == 'x' && isxdigit((unsigned char)s[2]) &&
	    isxdigit((unsigned char)s[3]) && s[4] == '\0')
		return (int)strtoul(s + 2, NULL, 16);
	return -1;
}

/*
 * Seconds as decimal digits with at most one point, 0.001 to 86400, in
 * milliseconds rounded up; -1 if s is not that.  strtod alone would also
 * take signs, spaces, hex, "inf" and "nan".
 */
static long
parse_seconds(const char *s)
{
	const char *p;
	char *end;
	double d;
	int digits = 0, points = 0;

	for (p = s; *p != '\0'; p++)
		if (*p >= '0' && *p <= '9')
			digits++;
		else if (*p != '.' || points++ > 0)
			return -1;
	if (digits == 0)
		return -1;
	errno = 0;
	d = strtod(s, &end);
	if (errno != 0 || *end != '\0' || d < 0.001 || d > 86400)
		return -1;
	return (long)(d * 1000 + 0.999);
}

/*
 * -i: seconds as parse_seconds takes them, or zero (0, 0.0, .0): the
 * checks then run back to back.
 */
static long
parse_interval(const char *s)
{
	const char *point;

	point = strchr(s, '.');
	if (s[strspn(s, "0.")] == '\0' && strchr(s, '0') != NULL &&
	    (point == NULL || strchr(point + 1, '.') == NULL))
		return 0;
	return parse_seconds(s);
}

/* Parse a whole decimal string in [min, max]; -1 if it is not one. */
static long
parse_number(const char *s, long min, long max)
{
	char *end;
	long n;

	if (*s < '0' || *s > '9')	/* strtol would take spaces and signs */
		return -1;
	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max)
		return -1;
	return n;
}

/* getopt found an option it does not know, or one without its argument. */
static void
bad_option(int ch)
{
	char opt[3] = { '-', (char)optopt, '\0' };

	bad_argument(ch == ':' ? "missing argument to" : "unknown option",
	    opt);
}

/* A bad argument: say what is wrong, then the usage line, exit 2. */
static void
bad_argument(const char *what, const char *arg)
{
	if (arg != NULL)
		fprintf(stderr, "%s: %s '%s'\n", prog, what, arg);
	else
		fprintf(stderr, "%s: %s\n", prog, what);
	usage(stderr, 2);
}

static void
usage(FILE *to, int status)
{
	fprintf(to, "usage: %s [-46DhqVv] [-c char] [-i seconds] [-n count] "
	    "[-s address] [-t seconds] [-w seconds] [host [port]]\n", prog);
	if (to == stdout)
		check_output();	/* -h: the line must have been written */
	exit(status);
}

/*
 * What every start needs: descriptors 0-2 open (open_std_fds), and output
 * checked at exit (check_output); -w's end; -s's address.  -1 when it
 * cannot go on, having said why.
 */
static int
setup(const struct options *o, struct check *c)
{
	if (open_std_fds() == -1) {
		fprintf(stderr, "%s: open /dev/null: %s\n", prog, strerror(errno));
		return -1;
	}
	atexit(check_output);
	c->wait_end = now_us() + (long long)o->wait_ms * 1000;
	if (o->source != NULL && resolve_source(o, c) == -1) {
		fail_connect(o, c);
		return -1;
	}
	return 0;
}

/*
 * Started with fd 0, 1 or 2 closed, the socket would get that number,
 * and our output would be written into the connection.  /dev/null holds
 * their places.
 */
static int
open_std_fds(void)
{
	struct pollfd pfd[3];
	int fd;

	/* poll marks a closed descriptor POLLNVAL: one call asks for all three. */
	for (fd = 0; fd <= 2; fd++) {
		pfd[fd].fd = fd;
		pfd[fd].events = 0;
	}
	if (poll(pfd, 3, 0) == -1)
		return -1;
	/* Only a closed one is filled, so an empty root without /dev works. */
	for (fd = 0; fd <= 2; fd++)
		if ((pfd[fd].revents & POLLNVAL) &&
		    open("/dev/null", O_RDWR) != fd)
			return -1;
	return 0;
}

/* -s: the local address to connect from, with any port (0). */
static int
resolve_source(const struct options *o, struct check *c)
{
	struct addrinfo hints, *res = NULL;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = o->family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	c->failed = SOURCE;
	c->deadline = now_us() + (long long)o->timeout_ms * 1000;
	if ((c->gai = lookup(o->source, NULL, &hints, &res, c)) != 0 ||
	    res == NULL)
		return -1;
	memcpy(&c->source, res->ai_addr, res->ai_addrlen);
	c->sourcelen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/* -s: connect from that local address, not one the kernel picks. */
static int
bind_source(int fd, struct check *c)
{
	c->failed = BIND;
	return bind(fd, (const struct sockaddr *)&c->source, c->sourcelen);
}

/*
 * A lookup the deadline can abandon.  getaddrinfo cannot be interrupted,
 * and a DNS server that never answers holds it for the resolver's own
 * timeout (5 or 10 s, and more with several servers).  So it runs in a
 * thread of its own, and we wait for it until c->deadline.  Abandoned, the
 * thread frees what it made when it ends (the process has usually ended
 * first).  Returns getaddrinfo's result; 0 with *res NULL and c->err
 * ETIMEDOUT when the deadline came first.
 */
static int
lookup(const char *host, const char *port, const struct addrinfo *hints,
    struct addrinfo **res, struct check *c)
{
	struct lookup *l;
	struct timespec ts;
	int gai;

	if ((l = lookup_start(host, port, hints)) == NULL) {
		c->err = errno;
		return EAI_SYSTEM;
	}
	ts.tv_sec = (time_t)(c->deadline / 1000000);
	ts.tv_nsec = (long)(c->deadline % 1000000 * 1000);
	pthread_mutex_lock(&l->lock);
	while (!l->done &&
	    pthread_cond_timedwait(&l->cond, &l->lock, &ts) != ETIMEDOUT)
		;
	if (!l->done) {
		l->abandoned = 1;	/* the thread frees l */
		pthread_mutex_unlock(&l->lock);
		c->err = ETIMEDOUT;
		return 0;
	}
	pthread_mutex_unlock(&l->lock);
	gai = l->gai;
	*res = l->res;
	c->err = gai == EAI_SYSTEM ? l->err : 0;
	l->res = NULL;
	lookup_free(l);
	return gai;
}

/* The lookup's state, and its thread, started; NULL with errno if not. */
static struct lookup *
lookup_start(const char *host, const char *port, const struct addrinfo *hints)
{
	pthread_condattr_t ca;
	pthread_attr_t ta;
	pthread_t t;
	struct lookup *l;
	int e;

	if ((l = calloc(1, sizeof *l)) == NULL)
		return NULL;
	l->host = host;
	l->port = port;
	l->hints = *hints;
	l->hints.ai_flags &= ~AI_NUMERICHOST;	/* a name: ask the resolver */
	/* The deadline is on the monotonic clock: so is the wait. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&l->cond, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&l->lock, NULL);
	pthread_attr_init(&ta);
	pthread_attr_setdetachstate(&ta, PTHREAD_CREATE_DETACHED);
	e = pthread_create(&t, &ta, lookup_thread, l);
	pthread_attr_destroy(&ta);
	if (e == 0)
		return l;
	lookup_free(l);
	errno = e;
	return NULL;
}

/* The thread: getaddrinfo, then tell the waiter, or clean up if it left. */
static void *
lookup_thread(void *arg)
{
	struct lookup *l = arg;
	int abandoned;

	l->gai = getaddrinfo(l->host, l->port, &l->hints, &l->res);
	l->err = errno;
	pthread_mutex_lock(&l->lock);
	l->done = 1;
	abandoned = l->abandoned;
	pthread_cond_signal(&l->cond);
	pthread_mutex_unlock(&l->lock);
	if (abandoned)
		lookup_free(l);
	return NULL;
}

static void
lookup_free(struct lookup *l)
{
	if (l->gai == 0 && l->res != NULL)
		freeaddrinfo(l->res);
	pthread_cond_destroy(&l->cond);
	pthread_mutex_destroy(&l->lock);
	free(l);
}

/*
 * At exit: what we printed must have reached standard output.  A full
 * disk or a pipe whose reader left fails the write; a check whose result
 * is lost must not exit 0.  A failed write is one line on stderr, exit 1.
 */
static void
check_output(void)
{
	int failed = ferror(stdout), e = errno;

	/*
	 * A write that failed earlier (musl writes a line at once) left its
	 * errno; nothing since sets it.  Else fclose's flush says why.
	 */
	if (fclose(stdout) == EOF && errno != EBADF)
		e = errno;
	else if (!failed)
		return;
	if (e != 0)
		fprintf(stderr, "%s: write error: %s\n", prog, strerror(e));
	else
		fprintf(stderr, "%s: write error\n", prog);
	_exit(1);
}

/*
 * -w: a server that is still starting refuses connections, and its name
 * may not resolve yet.  Pause, from 10 ms doubling up to 250 ms, and try
 * again until -w's deadline; 0 when there is nothing more to wait for.
 */
static int
retry(const struct options *o, struct check *c)
{
	struct timespec ts;
	long long left;

	if (o->wait_ms == 0 || c->failed == BIND)
		return 0;
	if (c->gai != 0 ? c->gai != EAI_NONAME && c->gai != EAI_AGAIN :
	    c->err != ECONNREFUSED)
		return 0;
	if ((left = c->wait_end - now_us()) <= 0) {
		c->waited = 1;
		return 0;
	}
	if (c->pause == 0)
		c->pause = PAUSE_FIRST;
	if (left > c->pause)
		left = c->pause;
	ts.tv_sec = (time_t)(left / 1000000);
	ts.tv_nsec = (long)(left % 1000000 * 1000);
	nanosleep(&ts, NULL);	/* cut short by a signal: tries sooner */
	c->pause = c->pause * 2 > PAUSE_MAX ? PAUSE_MAX : c->pause * 2;
	return 1;
}

/* Why no connection was made, on stderr: exit 1. */
static int
fail_connect(const struct options *o, const struct check *c)
{
	say_connect(stderr, prog, o, c);
	return 1;
}

/* Why the byte was not sent or the reply not read whole, on stderr. */
static int
fail_exchange(const struct options *o, const struct check *c)
{
	say_exchange(stderr, prog, o, c);
	return 1;
}

/*
 * Why no connection was made, in one line on to, after who: the program's
 * name for one check, the check's number for -n.
 */
static void
say_connect(FILE *to, const char *who, const struct options *o,
    const struct check *c)
{
	char waited[64] = "", limit[256];

	if (c->waited)
		snprintf(waited, sizeof waited, ", after waiting %s s",
		    o->wait_text);
	if (c->failed == SOURCE && c->gai == 0)
		fprintf(to, "%s: resolve %s (-s): no answer within %s s "
		    "(-t); a numeric address needs no lookup\n", who, o->source,
		    o->timeout_text);
	else if (c->failed == SOURCE)
		fprintf(to, "%s: resolve %s (-s): %s\n", who, o->source,
		    gai_reason(c));
	else if (c->failed == BIND)
		fprintf(to, "%s: bind to %s: %s\n", who, o->source,
		    strerror(c->err));
	else if (c->gai != 0 && family_limit(o, c, limit, sizeof limit))
		fprintf(to, "%s: %s\n", who, limit);
	else if (c->gai != 0)
		fprintf(to, "%s: resolve %s: %s%s\n", who, o->host,
		    gai_reason(c), waited);
	else if (c->failed == RESOLVE)
		fprintf(to, "%s: resolve %s: no answer within %s s (-t); "
		    "a numeric address needs no lookup\n", who, o->host,
		    o->timeout_text);
	else if (c->err == ECONNREFUSED)
		fprintf(to, "%s: no server is listening on %s port %s "
		    "(connection refused)%s\n", who, o->host, o->port, waited);
	else if (c->err == ETIMEDOUT)
		fprintf(to, "%s: connect to %s port %s: no answer within "
		    "%s s\n", who, o->host, o->port, o->timeout_text);
	else
		fprintf(to, "%s: connect to %s port %s: %s\n", who,
		    o->host, o->port, strerror(c->err));
}

/* getaddrinfo's reason: errno's for EAI_SYSTEM (out of descriptors...). */
static const char *
gai_reason(const struct check *c)
{
	return c->gai == EAI_SYSTEM ? strerror(c->err) : gai_strerror(c->gai);
}

/*
 * When -4, -6 or -s asked for one family and the name has addresses of
 * the other only, the message says so; NULL when that is not the cause.
 */
static const char *
family_limit(const struct options *o, const struct check *c, char *buf,
    size_t size)
{
	struct addrinfo hints, *res = NULL;
	struct check any = *c;
	int want = c->sourcelen != 0 ? c->source.ss_family : o->family;

	if (want == AF_UNSPEC || c->gai == EAI_SYSTEM || c->gai == EAI_AGAIN)
		return NULL;
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	any.deadline = now_us() + (long long)o->timeout_ms * 1000;
	if (lookup(o->host, o->port, &hints, &res, &any) != 0 || res == NULL)
		return NULL;
	freeaddrinfo(res);
	snprintf(buf, size, "%s has no %s address, and %s%s limits the check "
	    "to %s", o->host, want == AF_INET6 ? "IPv6" : "IPv4",
	    c->sourcelen != 0 ? "-s " : want == AF_INET6 ? "-6" : "-4",
	    c->sourcelen != 0 ? o->source : "", want == AF_INET6 ? "IPv6" :
	    "IPv4");
	return buf;
}

/* Why the byte was not sent or the reply not read whole, in one line. */
static void
say_exchange(FILE *to, const char *who, const struct options *o,
    const struct check *c)
{
	char got[8];

	if (c->failed == SEND)
		fprintf(to, "%s: send to %s port %s: %s\n", who, o->host,
		    o->port, strerror(c->err));
	else if (c->err == ETIMEDOUT && c->len == 1) {
		format_byte(c->reply[0], got, sizeof got);
		fprintf(to, "%s: %s port %s sent %s but did not close the "
		    "connection within %s s\n", who, o->host, o->port, got,
		    o->timeout_text);
	} else if (c->err == ETIMEDOUT)
		fprintf(to, "%s: no reply from %s port %s within %s s\n",
		    who, o->host, o->port, o->timeout_text);
	else
		fprintf(to, "%s: read from %s port %s: %s\n", who, o->host,
		    o->port, strerror(c->err));
}

/*
 * The first bytes of a reply too long, in double quotes, so that a
 * banner such as SSH-2.0 is recognised: printable ASCII as itself but
 * for the quote and the backslash, the rest \xNN; "..." when cut.
 */
static void
format_bytes(const unsigned char *s, size_t len, char *buf, size_t size)
{
	size_t i, at = 0;

	buf[at++] = '"';
	for (i = 0; i < len && i < SHOWN_MAX; i++)
		if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"' && s[i] != '\\')
			buf[at++] = (char)s[i];
		else
			at += (size_t)snprintf(buf + at, size - at, "\\x%02x",
			    s[i]);
	snprintf(buf + at, size - at, "\"%s", len > SHOWN_MAX ? "..." : "");
}

/* -v: the address that answered, the time to connect and to the reply. */
static void
print_times(const struct check *c)
{
	char host[80], port[8];	/* an IPv6 address with a scope fits */

	if (getnameinfo((const struct sockaddr *)&c->addr, c->addrlen, host,
	    sizeof host, port, sizeof port, NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		snprintf(host, sizeof host, "?");
	printf("%s port %s: connect %.3f ms, reply %.3f ms\n", host, port,
	    (double)(c->connected - c->started) / 1000,
	    (double)(c->replied - c->sent) / 1000);
}

/*
 * -n: checks one after another, as ping sends its probes.  Each is a
 * whole check, as main makes one: a new connection, the byte, the reply
 * and the close, under its own -t, said in a line on stdout.  They start
 * -i apart on the monotonic clock, each when the last was due, so that
 * the schedule does not drift.  A check that runs past the next one's
 * start delays it, and the schedule goes on from there: checks never
 * overlap, and those missed are not made up in a burst.  SIGINT or
 * SIGTERM ends the run after the check under way (within its -t); the
 * summary follows then as after the last check.
 */

/* The times of the checks that passed, in microseconds. */
struct times {
	long long min, max;
	double sum, squares;	/* for the mean and the deviation */
};

/* What the checks so far add up to. */
struct tally {
	long run, passed;
	long long start;	/* of the first check (now_us's clock) */
	struct times connect, reply;
};

static volatile sig_atomic_t stopping;	/* SIGINT or SIGTERM came */

static void	on_signal(int);
static int	check_once(const struct options *, struct check *, long);
static int	verdict(const struct options *, const struct check *,
		    const char *);
static void	label(const struct options *, long, char *, size_t);
static void	add_time(struct times *, long long, long);
static int	pause_until(long long *, long);
static void	summary(const struct options *, const struct tally *);
static void	print_series(const char *, const struct times *, long);
static double	root(double);

/*
 * Check, count, pause until the next one is due; the summary at the end.
 * Every check starts from first, as main left it (-s's address, -w's
 * end), not from what the last check left.  Exit 0 if every one passed.
 */
static int
repeat(const struct options *o, const struct check *first)
{
	struct sigaction sa;
	struct tally t;
	struct check c;
	long long next;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;	/* no SA_RESTART: a pause ends */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);	/* each line as it comes */
	memset(&t, 0, sizeof t);
	t.start = next = now_us();
	do {
		c = *first;
		if (check_once(o, &c, ++t.run) == 0) {
			t.passed++;
			add_time(&t.connect, c.connected - c.started, t.passed);
			add_time(&t.reply, c.replied - c.sent, t.passed);
		}
	} while (t.run != o->count && pause_until(&next, o->interval_ms) == 0);
	summary(o, &t);
	return t.passed == t.run ? 0 : 1;
}

/* A handler may only set a flag: the loop reads it between checks. */
static void
on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

/*
 * One check as main makes it, and its line unless -q; 0 if it passed.
 * -w waits for the server before the first check only: later, a refused
 * connection is a failed check.  The socket is closed on every path.
 */
static int
check_once(const struct options *o, struct check *c, long seq)
{
	struct addrinfo *res;
	char who[64];
	int fd = -1, failed = 1;

	do {
		c->deadline = now_us() + (long long)o->timeout_ms * 1000;
		if ((res = resolve(o, c)) != NULL) {
			fd = connect_any(c, res);
			freeaddrinfo(res);
		}
	} while (fd == -1 && seq == 1 && !stopping && retry(o, c));
	if (fd != -1) {
		failed = send_byte(fd, o->byte, c) == -1 ||
		    read_reply(fd, c) == -1;
		close(fd);
	}
	label(o, seq, who, sizeof who);	/* the check is over: -D's time */
	if (fd == -1) {
		if (!o->quiet)
			say_connect(stdout, who, o, c);
		return 1;
	}
	if (failed && !o->quiet)
		say_exchange(stdout, who, o, c);
	return failed ? 1 : verdict(o, c, who);
}

/*
 * The reply judged as judge does, in one line: the reply, the address
 * that answered and the two times of -v; or what was wrong, in judge's
 * words.  0 if it passed.
 */
static int
verdict(const struct options *o, const struct check *c, const char *who)
{
	char got[8], want[8], shown[4 * SHOWN_MAX + 8];
	int passed;

	format_byte(c->reply[0], got, sizeof got);
	passed = c->len == 1 && c->reply[0] == (unsigned char)(o->byte + 1);
	if (o->quiet)
		return passed ? 0 : 1;
	if (passed) {
		printf("%s: %s from ", who, got);
		print_times(c);
	} else if (c->len == 0)
		printf("%s: %s port %s closed the connection without "
		    "replying\n", who, o->host, o->port);
	else if (c->len > 1) {
		format_bytes(c->reply, c->len, shown, sizeof shown);
		printf("%s: %s port %s sent more than one byte: %s (not a "
		    "one-byte echo server)\n", who, o->host, o->port, shown);
	} else {
		format_byte((unsigned char)(o->byte + 1), want, sizeof want);
		printf("%s: wrong reply %s from %s port %s: expected %s\n",
		    who, got, o->host, o->port, want);
	}
	return passed ? 0 : 1;
}

/*
 * The start of a check's line: "check N", after the time of day with -D
 * as ping -D gives it, in seconds since the epoch to the microsecond.
 */
static void
label(const struct options *o, long seq, char *buf, size_t size)
{
	struct timespec ts;

	if (!o->stamps) {
		snprintf(buf, size, "check %ld", seq);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(buf, size, "[%lld.%06ld] check %ld", (long long)ts.tv_sec,
	    ts.tv_nsec / 1000, seq);
}

/* Add the n-th time to a series. */
static void
add_time(struct times *s, long long us, long n)
{
	if (n == 1 || us < s->min)
		s->min = us;
	if (n == 1 || us > s->max)
		s->max = us;
	s->sum += (double)us;
	s->squares += (double)us * (double)us;
}

/*
 * -i: wait until the next check is due, -1 if SIGINT or SIGTERM came.
 * One that is late already (the last check took longer than -i) is due
 * now, and the schedule goes on from now.  A sleep cut short by a signal
 * ends the wait; a wake-up a little late changes nothing that follows.
 */
static int
pause_until(long long *next, long interval_ms)
{
	struct timespec ts;
	long long left;

	*next += (long long)interval_ms * 1000;
	if ((left = *next - now_us()) < 0)
		*next -= left;
	while (!stopping && left > 0) {
		ts.tv_sec = (time_t)(left / 1000000);
		ts.tv_nsec = (long)(left % 1000000 * 1000);
		nanosleep(&ts, NULL);
		left = *next - now_us();
	}
	return stopping ? -1 : 0;
}

/*
 * As ping ends: the target, the counts and the time the run took; then
 * min/avg/max/mdev of the connect and the reply times of the checks that
 * passed (mdev: their standard deviation, as ping's).
 */
static void
summary(const struct options *o, const struct tally *t)
{
	long failed = t->run - t->passed;

	printf("--- %s port %s ---\n", o->host, o->port);
	printf("%ld checks, %ld passed, %ld failed (%g%%), %.3f s\n", t->run,
	    t->passed, failed, 100.0 * (double)failed / (double)t->run,
	    (double)(now_us() - t->start) / 1000000);
	if (t->passed == 0)
		return;
	print_series("connect", &t->connect, t->passed);
	print_series("reply", &t->reply, t->passed);
}

static void
print_series(const char *what, const struct times *s, long n)
{
	double mean, var;

	mean = s->sum / (double)n;
	var = s->squares / (double)n - mean * mean;
	printf("%s min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms\n", what,
	    (double)s->min / 1000, mean / 1000, (double)s->max / 1000,
	    root(var) / 1000);
}

/* A square root without libm (-lm): Newton's method, from above. */
static double
root(double x)
{
	double r;
	int i;

	if (x <= 0)
		return 0;
	r = x > 1 ? x : 1;
	for (i = 0; i < 64; i++)
		r = (r + x / r) / 2;
	return r;
}
