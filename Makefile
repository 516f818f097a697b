# Makefile for the one-byte echo server and client.
# CC, CFLAGS, CPPFLAGS and LDFLAGS are yours to set; the flags the code
# needs are kept apart in STD so that setting CFLAGS does not drop them.
CC ?= cc
CFLAGS ?= -O2 -g
STD = -std=c99 -pedantic -Wall -Wextra -D_POSIX_C_SOURCE=200809L

PROGS = server client

all: $(PROGS)

server: server.c
	$(CC) $(STD) $(CPPFLAGS) $(CFLAGS) -o $@ server.c $(LDFLAGS)

client: client.c
	$(CC) $(STD) $(CPPFLAGS) $(CFLAGS) -o $@ client.c $(LDFLAGS)

tests/load: tests/load.c
	$(CC) $(STD) $(CPPFLAGS) $(CFLAGS) -o $@ tests/load.c $(LDFLAGS) -lpthread

tests/fake: tests/fake.c
	$(CC) $(STD) $(CPPFLAGS) $(CFLAGS) -o $@ tests/fake.c $(LDFLAGS)

tests/bench/baseline: tests/bench/baseline.c
	$(CC) $(STD) $(CPPFLAGS) $(CFLAGS) -o $@ tests/bench/baseline.c $(LDFLAGS)

test: all tests/load tests/fake
	sh tests/run.sh

# Connections per second and latency against the smallest server.
# build/server-nodefer: the server without TCP_DEFER_ACCEPT, to show its cost.
bench: all tests/load tests/bench/baseline
	mkdir -p build
	$(CC) $(STD) $(CPPFLAGS) -DNO_DEFER_ACCEPT $(CFLAGS) \
	    -o build/server-nodefer server.c $(LDFLAGS)
	sh tests/bench/bench.sh

# make test, then sanitizers, valgrind, three compilers and two linters.
check: test
	sh tests/check.sh

clean:
	rm -f $(PROGS) tests/load tests/fake tests/bench/baseline
	rm -rf build

.PHONY: all test check bench clean
