# Makefile for the one-byte echo server and client.
# CC, CFLAGS, CPPFLAGS and LDFLAGS are yours to set; the flags the code
# needs are kept apart in STD so that setting CFLAGS does not drop them.
CC ?= cc
CFLAGS ?= -O2 -g
STD = -std=c99 -pedantic -Wall -Wextra -D_POSIX_C_SOURCE=200809L

PROGS = server client

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

test: all tests/load tests/fake
	sh tests/run.sh

# Connections per second and latency against the smallest server.
bench: all tests/load tests/bench/baseline
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

.PHONY: all test check bench mutants clean FORCE
