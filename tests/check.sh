# check.sh: the checks beside the tests, each its own pass or fail.  POSIX sh.
# Run by `make check` after `make test`.  Needs clang, valgrind, musl-gcc,
# cppcheck and clang-tidy (.ci/run installs them).
top=$(cd "$(dirname "$0")/.." && pwd) || exit 1
cd "$top" || exit 1
# start, stop, and the cleanup of every process started: the suite's.
. tests/lib.sh

STD="-std=c99 -pedantic -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L"
SRCS="server.c client.c tests/load.c tests/fake.c"
build=$top/build

# check WHAT COMMAND...: one check; its output is shown when it fails.
check() {
	what=$1
	shift
	n=$((n + 1))
	if "$@" >"$build/check.log" 2>&1; then
		passed=$((passed + 1))
		echo "ok $n - $what"
	else
		failed=$((failed + 1))
		echo "not ok $n - $what"
		sed 's/^/#   /' "$build/check.log" | tail -n 60
	fi
}

# compile CC DIR [FLAGS]: build the four programs into DIR.
compile() {
	cc=$1
	dir=$2
	shift 2
	mkdir -p "$dir/tests" || return 1
	for src in $SRCS; do
		# shellcheck disable=SC2086
		$cc $STD "$@" -o "$dir/${src%.c}" "$src" -pthread || return 1
	done
}

asan() {
	rm -rf "$build/asan" &&
	compile clang "$build/asan" -O1 -g -fno-omit-frame-pointer \
	    -fsanitize=address,undefined -fno-sanitize-recover=all &&
	mkdir -p "$build/asan/reports" &&
	ASAN_OPTIONS="log_path=$build/asan/reports/asan:detect_leaks=1" \
	UBSAN_OPTIONS="log_path=$build/asan/reports/ubsan:print_stacktrace=1" \
	    BIN=$build/asan sh tests/run.sh >"$build/asan/suite.out" 2>&1
	st=$?
	grep -v '^ok' "$build/asan/suite.out"
	[ $st -eq 0 ] || return 1
	if [ -n "$(ls "$build/asan/reports")" ]; then
		cat "$build/asan/reports"/*
		return 1
	fi
}

# The server under valgrind through a short load and SIGTERM; the client
# against it.  valgrind exits 99 on any error or definite leak.
memcheck() {
	vg="valgrind -q --error-exitcode=99 --leak-check=full"
	vg="$vg --errors-for-leak-kinds=definite --show-leak-kinds=definite"
	# shellcheck disable=SC2086
	start vg $vg "$top/server" -t 2 0 || return 1
	ok=0
	"$top/tests/load" -c 4 -n 300 -T 60 127.0.0.1 "$port" &&
	"$top/tests/load" -m extra -c 2 -n 50 -T 60 127.0.0.1 "$port" &&
	"$top/tests/load" -m reset-after-send -c 2 -n 50 -T 60 127.0.0.1 "$port" &&
	$vg "$top/client" 127.0.0.1 "$port" &&
	$vg "$top/client" -c '\xff' localhost "$port" || ok=1
	stop $pid
	st=$?
	cat "$tmp/vg.err"
	echo "server under valgrind exited $st"
	$vg "$top/client" 127.0.0.1 "$port"	# refused: an error path
	[ $? -eq 1 ] || ok=1
	[ $ok -eq 0 ] && [ $st -eq 0 ]
}

builds() {
	for cc in gcc clang musl-gcc; do
		echo "$cc:"
		compile $cc "$build/$cc" -O2 || return 1
	done
}

cppcheck_all() {
	# shellcheck disable=SC2086
	cppcheck --enable=warning,performance,portability --error-exitcode=1 \
	    --std=c99 -D_POSIX_C_SOURCE=200809L --inline-suppr \
	    --suppress=missingIncludeSystem --quiet $SRCS
}

# The checks: bugprone, cert and clang-analyzer, less four that only
# speak of style here (see README, Testing).
TIDY='-*,bugprone-*,cert-*,clang-analyzer-*,-bugprone-easily-swappable-parameters,-cert-err33-c,-bugprone-reserved-identifier,-cert-dcl37-c,-cert-dcl51-cpp'
tidy() {
	# shellcheck disable=SC2086
	clang-tidy --quiet --warnings-as-errors='*' --checks="$TIDY" $SRCS -- \
	    -std=c99 -D_POSIX_C_SOURCE=200809L
}

mkdir -p "$build" || exit 1
check 'the suite under AddressSanitizer and UBSan (clang), no report' asan
check 'valgrind memcheck: server under load and SIGTERM, and the client' memcheck
check 'builds with gcc, clang and musl-gcc, -std=c99 -pedantic -Werror' builds
check 'cppcheck: no finding' cppcheck_all
check 'clang-tidy (bugprone, cert, clang-analyzer): no finding' tidy
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
