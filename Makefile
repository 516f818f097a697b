# Makefile for the one-byte echo server and client.
# SPDX-License-Identifier: Unlicense
# POSIX make: GNU make and BSD make (bmake) run it alike.  CC, CFLAGS,
# CPPFLAGS and LDFLAGS are yours to set on the command line; the flags
# the code needs are kept apart in STD so that setting CFLAGS does not
# drop them.  CC and CFLAGS are set here, not with ?=, because each make
# has defaults of its own (bmake's CFLAGS is -O2 alone).
CC = cc
CFLAGS = -O2 -g

# The one place the version is kept: the programs print it (-V), and
# make install and make dist write it into the man pages.
VERSION = 1.0.0
STD = -std=c99 -pedantic -Wall -Wextra -D_POSIX_C_SOURCE=200809L \
    -DVERSION=\"$(VERSION)\"

PROGS = server client

# make install: the GNU variables.  The server installs as onebyted
# (a daemon, in sbin, man 8) and the client as onebyte (man 1), names
# that cannot collide with other programs', as sshd and ssh.
PREFIX = /usr/local
BINDIR = $(PREFIX)/bin
SBINDIR = $(PREFIX)/sbin
MANDIR = $(PREFIX)/share/man
MANPAGES = man/onebyted.8 man/onebyte.1
# The systemd units, where systemd looks for a local install (a
# distribution sets /lib/systemd/system); make install-xinetd puts the
# xinetd file where xinetd looks, whatever the PREFIX.
SYSTEMDUNITDIR = $(PREFIX)/lib/systemd/system
UNITS = onebyted.socket onebyted.service onebyted-inetd.socket \
    onebyted-inetd@.service
XINETDDIR = /etc/xinetd.d

# The files in dist/ and the man pages say /usr/local/sbin/onebyted and
# carry no version: these rewrite them as installed or packed.
SET_SBINDIR = sed 's|/usr/local/sbin/onebyted|$(SBINDIR)/onebyted|'
SET_VERSION = sed 's/^\.Os.*/.Os onebyte $(VERSION)/'

all: $(PROGS)

# build/flags holds the compiler and flags of the last build, rewritten
# only when they change: so `make CC=clang` after `make` rebuilds.  The
# programs built with the old flags are removed too: bmake keeps times
# in whole seconds, and a program built in the second the flags changed
# would pass for new.
BUILT = $(PROGS) tests/load tests/fake tests/bench/baseline tests/bench/loop
build/flags: FORCE
	@mkdir -p build
	@echo '$(CC) $(STD) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS)' | cmp -s - $@ || \
	    { rm -f $(BUILT) && \
	    echo '$(CC) $(STD) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS)' >$@; }

server: server.c build/flags
	$(CC) $(STD) $(CPPFLAGS) $(CFLAGS) -o $@ server.c $(LDFLAGS)

client: client.c build/flags
	$(CC) $(STD) $(CPPFLAGS) $(CFLAGS) -o $@ client.c $(LDFLAGS) -pthread

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
	$(MAKE) CC=musl-gcc LDFLAGS='-static $(LDFLAGS)' $(PROGS)

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
	    '$(DESTDIR)$(MANDIR)/man8' '$(DESTDIR)$(MANDIR)/man1' \
	    '$(DESTDIR)$(SYSTEMDUNITDIR)'
	install -m 755 server '$(DESTDIR)$(SBINDIR)/onebyted'
	install -m 755 client '$(DESTDIR)$(BINDIR)/onebyte'
	$(SET_VERSION) man/onebyted.8 >'$(DESTDIR)$(MANDIR)/man8/onebyted.8'
	$(SET_VERSION) man/onebyte.1 >'$(DESTDIR)$(MANDIR)/man1/onebyte.1'
	for u in $(UNITS); do \
	    $(SET_SBINDIR) dist/$$u >'$(DESTDIR)$(SYSTEMDUNITDIR)/'$$u || \
	    exit 1; \
	done
	cd '$(DESTDIR)$(MANDIR)' && chmod 644 man8/onebyted.8 man1/onebyte.1
	cd '$(DESTDIR)$(SYSTEMDUNITDIR)' && chmod 644 $(UNITS)

# Apart from install: most hosts have no xinetd.
install-xinetd:
	install -d '$(DESTDIR)$(XINETDDIR)'
	$(SET_SBINDIR) dist/onebyte.xinetd >'$(DESTDIR)$(XINETDDIR)/onebyte'
	chmod 644 '$(DESTDIR)$(XINETDDIR)/onebyte'

# The files install and install-xinetd made, and no directory: the
# directories may hold others' files.  Nothing is stopped or disabled.
uninstall:
	rm -f '$(DESTDIR)$(SBINDIR)/onebyted' '$(DESTDIR)$(BINDIR)/onebyte' \
	    '$(DESTDIR)$(MANDIR)/man8/onebyted.8' \
	    '$(DESTDIR)$(MANDIR)/man1/onebyte.1' \
	    '$(DESTDIR)$(XINETDDIR)/onebyte'
	cd '$(DESTDIR)$(SYSTEMDUNITDIR)' 2>/dev/null && rm -f $(UNITS) || true

# onebyte-VERSION.tar.gz: the sources, tests and dist/ files, with the
# version in the man pages; it builds and passes make test as it is.
# The shell expands the patterns, so a new test is packed without a
# change here.
DISTNAME = onebyte-$(VERSION)
DISTFILES = LICENSE Makefile README.md server.c client.c $(MANPAGES) \
    dist/* tests/*.sh tests/*.c tests/bench/*.sh tests/bench/*.c \
    tests/mutants/*.list
dist:
	rm -rf build/dist
	mkdir -p build/dist/$(DISTNAME)
	tar -cf - $(DISTFILES) | (cd build/dist/$(DISTNAME) && tar -xf -)
	for m in $(MANPAGES); do \
	    $(SET_VERSION) $$m >build/dist/$(DISTNAME)/$$m || exit 1; \
	done
	(cd build/dist && tar -cf - $(DISTNAME)) | gzip -9n >$(DISTNAME).tar.gz
	rm -rf build/dist
	@echo "$(DISTNAME).tar.gz"

# The man pages, checked by mandoc at its style level: any message fails
# but one.  At that level mandoc looks for each page a cross-reference
# names, and what it finds depends on the pages this host has installed.
# So it looks in a MANPATH that does not exist, where every lookup fails
# the same way on every host, and that one message, "referenced manual
# not found", is left out.
lint-man:
	@command -v mandoc >/dev/null 2>&1 || { \
	    echo 'make lint-man: mandoc not found: apt-get install mandoc' >&2; \
	    exit 1; }
	@out=$$(MANPATH=/nonexistent mandoc -Tlint -Wstyle $(MANPAGES) 2>&1 | \
	    grep -v -F 'STYLE: referenced manual not found: Xr '); \
	if [ -n "$$out" ]; then echo "$$out"; exit 1; fi

# TESTS: some of tests/t*.sh only (make test TESTS=tests/t1-exchange.sh).
test: all tests/load tests/fake
	sh tests/run.sh $(TESTS)

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
	rm -f $(BUILT) $(DISTNAME).tar.gz
	rm -rf build

FORCE:

.PHONY: all static install install-xinetd uninstall dist lint-man test check bench \
    mutants clean FORCE
