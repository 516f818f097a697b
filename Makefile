# Makefile for the one-byte echo server and client.
# SPDX-License-Identifier: Unlicense
# CC, CFLAGS, CPPFLAGS and LDFLAGS are yours to set; the flags the code
# needs are kept apart in STD so that setting CFLAGS does not drop them.
CC ?= cc
CFLAGS ?= -O2 -g
STD = -std=c99 -pedantic -Wall -Wextra -D_POSIX_C_SOURCE=200809L

PROGS = server client

# make install: the GNU variables.  The server installs as onebyted
# (a daemon, in sbin, man 8) and the client as onebyte (man 1), names
# that cannot collide with other programs', as sshd and ssh.
PREFIX = /usr/local
BINDIR = $(PREFIX)/bin
SBINDIR = $(PREFIX)/sbin
MANDIR = $(PREFIX)/share/man
MANPAGES = man/onebyted.8 man/onebyte.1

all: $(PROGS)

# build/flags holds the compiler and flags of the last build, rewritten
# only when they change: so `make CC=clang` after `make` rebuilds.
build/flags: FORCE
	@mkdir -p build
	@echo '$(CC) $(STD) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS)' | cmp -s - $@ || \
	    echo '$(CC) $(STD) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS)' >$@

server: server.c build/flags
	$(CC) $(STD) $(CPPFLAGS) $(CFLAGS) -o $@ server.c $(LDFLAGS)

client: client.c build/flags
	$(CC) $(STD) $(CPPFLAGS) $(CFLAGS) -o $@ client.c $(LDFLAGS)

tests/load: tests/load.c build/flags
	$(CC) $(STD) $(CPPFLAGS) $(CFLAGS) -o $@ tests/load.c $(LDFLAGS) -lpthread

tests/fake: tests/fake.c build/flags
	$(CC) $(STD) $(CPPFLAGS) $(CFLAGS) -o $@ tests/fake.c $(LDFLAGS)

tests/bench/baseline: tests/bench/baseline.c build/flags
	$(CC) $(STD) $(CPPFLAGS) $(CFLAGS) -o $@ tests/bench/baseline.c $(LDFLAGS)

tests/bench/loop: tests/bench/loop.c build/flags
	$(CC) $(STD) $(CPPFLAGS) $(CFLAGS) -o $@ tests/bench/loop.c $(LDFLAGS)

# Both programs linked statically with musl, as ./server and ./client:
# two files that run in an empty root (a scratch container image).  The
# changed CC and LDFLAGS rebuild them (build/flags), and a plain make
# after this rebuilds the dynamic ones.
static:
	@command -v musl-gcc >/dev/null 2>&1 || { \
	    echo 'make static: musl-gcc not found: apt-get install musl-tools' >&2; \
	    exit 1; }
	$(MAKE) CC=musl-gcc LDFLAGS='$(strip -static $(LDFLAGS))' $(PROGS)

# install copies the programs as they were last built (by make, make
# static or make CFLAGS=...), and builds only a program that is missing
# or older than its source: depending on all would rebuild them with
# this make's flags, and install a dynamic server after make static.
install:
	@for p in $(PROGS); do \
	    if [ ! -f $$p ] || [ -n "$$(find $$p.c -newer $$p)" ]; then \
	        $(MAKE) $$p || exit 1; \
	    fi; \
	done
	install -d '$(DESTDIR)$(SBINDIR)' '$(DESTDIR)$(BINDIR)' \
	    '$(DESTDIR)$(MANDIR)/man8' '$(DESTDIR)$(MANDIR)/man1'
	install -m 755 server '$(DESTDIR)$(SBINDIR)/onebyted'
	install -m 755 client '$(DESTDIR)$(BINDIR)/onebyte'
	install -m 644 man/onebyted.8 '$(DESTDIR)$(MANDIR)/man8/onebyted.8'
	install -m 644 man/onebyte.1 '$(DESTDIR)$(MANDIR)/man1/onebyte.1'

# The four files install made; the directories may hold others' files.
uninstall:
	rm -f '$(DESTDIR)$(SBINDIR)/onebyted' '$(DESTDIR)$(BINDIR)/onebyte' \
	    '$(DESTDIR)$(MANDIR)/man8/onebyted.8' \
	    '$(DESTDIR)$(MANDIR)/man1/onebyte.1'

# The man pages, checked by mandoc: any warning or error fails.  (Its
# style level also says "referenced manual not found", which depends on
# the pages this host has installed.)
lint-man:
	@command -v mandoc >/dev/null 2>&1 || { \
	    echo 'make lint-man: mandoc not found: apt-get install mandoc' >&2; \
	    exit 1; }
	@out=$$(mandoc -Tlint -Wwarning $(MANPAGES) 2>&1); \
	if [ -n "$$out" ]; then echo "$$out"; exit 1; fi

test: all tests/load tests/fake
	sh tests/run.sh

# Connections per second and latency against the smallest server.
bench: all tests/load tests/bench/baseline tests/bench/loop
	sh tests/bench/bench.sh

# make test, then sanitizers, valgrind, three compilers and two linters.
check: test
	sh tests/check.sh

# Small deliberate bugs in copies of server.c and client.c: the suite
# must catch each one.  Takes several minutes; not part of make check.
mutants: all tests/load tests/fake
	sh tests/mutants.sh

clean:
	rm -f $(PROGS) tests/load tests/fake tests/bench/baseline
	rm -rf build

FORCE:

.PHONY: all static install uninstall lint-man test check bench mutants clean FORCE
