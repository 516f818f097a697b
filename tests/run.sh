# run.sh: run the test files, each in a shell of its own, and count.
# POSIX sh.
# SPDX-License-Identifier: Unlicense
# Usage: sh tests/run.sh [-j jobs] [tests/tN-name.sh ...]
# Without files: every tests/tN-*.sh, in the order of N.  -j (or JOBS in
# the environment, as make test JOBS=2 sets it) runs that many files at
# once; their output still comes file by file, in order.  One at a time
# is the default: many tests measure how long something took, and a busy
# machine stretches that.  The last line counts every file's tests.
top=$(cd "$(dirname "$0")/.." && pwd) || exit 1
cd "$top" || exit 1

usage() {
	echo "usage: sh tests/run.sh [-j jobs] [tests/tN-name.sh ...]" >&2
	exit 2
}

jobs=${JOBS:-1}
while getopts j: opt; do
	case $opt in
	j) jobs=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
case $jobs in
"" | *[!0-9]* | 0*) echo "run.sh: invalid number of jobs '$jobs'" >&2; usage ;;
esac
if [ $# -eq 0 ]; then
	# shellcheck disable=SC2046
	set -- $(for f in tests/t[0-9]*.sh; do
		n=${f#tests/t}
		echo "${n%%-*} $f"
	done | sort -n | cut -d' ' -f2)
fi
for f in "$@"; do
	[ -f "$f" ] || { echo "run.sh: no test file $f" >&2; exit 2; }
done

# Each file's output, status and process in $q; the tools its tests
# lacked, in one list for the summary (see lib.sh).
q=$(mktemp -d "${TMPDIR:-/tmp}/run.XXXXXX") || exit 1
SUITE_MISSING=$q/missing
export SUITE_MISSING
: >"$SUITE_MISSING"
workers=
cleanup() {
	# A file interrupted ends the processes it started (its own cleanup).
	for p in $workers $(cat "$q"/*.pid 2>/dev/null); do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$q"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# run_one I FILE: run FILE, its output in $q/I.out; $q/I.rc when done.
run_one() {
	sh "$2" >"$q/$1.out" 2>&1 </dev/null &
	echo $! >"$q/$1.pid"
	wait $!
	echo $? >"$q/$1.rc.new"
	mv "$q/$1.rc.new" "$q/$1.rc"
}

# worker FILE...: take the files no other worker took yet (mkdir is the
# lock: it fails for all but one), one after another.
worker() {
	i=0
	for f in "$@"; do
		i=$((i + 1))
		mkdir "$q/$i.taken" 2>/dev/null || continue
		run_one $i "$f"
	done
}

# finished I: wait for file I, as long as a worker is there to run it.
finished() {
	while [ ! -f "$q/$1.rc" ]; do
		alive=
		for w in $workers; do
			kill -0 "$w" 2>/dev/null && alive=yes
		done
		[ -n "$alive" ] || [ -f "$q/$1.rc" ] || return 1
		sleep 0.1
	done
}

if [ "$jobs" -gt 1 ]; then
	w=0
	while [ $w -lt "$jobs" ] && [ $w -lt $# ]; do
		worker "$@" &
		workers="$workers $!"
		w=$((w + 1))
	done
fi

passed=0
failed=0
skipped=0
i=0
for f in "$@"; do
	i=$((i + 1))
	echo "# $f"
	if [ "$jobs" -gt 1 ]; then
		finished $i && cat "$q/$i.out"
	else
		# One at a time: its lines as they come (GNU tail), else at its end.
		: >"$q/$i.out"
		run_one $i "$f" &
		workers=$!
		if ! tail -s 0.1 -f --pid=$workers -n +1 "$q/$i.out" 2>/dev/null
		then
			wait $workers
			cat "$q/$i.out"
		fi
		wait $workers
	fi
	out=$q/$i.out
	rc=$(cat "$q/$i.rc" 2>/dev/null)
	p=$(grep -c '^ok ' "$out")
	s=$(grep -c '^ok .* # SKIP ' "$out")
	x=$(grep -c '^not ok ' "$out")
	passed=$((passed + p - s))
	skipped=$((skipped + s))
	failed=$((failed + x))
	# A file ends with its plan, for all its tests, and fails only with
	# a failed test: one that stops early (an error outside a test, a
	# killed shell) is a failure of its own.
	if [ "$(tail -n 1 "$out")" != "1..$((p + x))" ]; then
		failed=$((failed + 1))
		echo "not ok - $f stopped before its end (status ${rc:-unknown})"
	elif [ "${rc:-x}" != 0 ] && [ "$x" -eq 0 ]; then
		failed=$((failed + 1))
		echo "not ok - $f exited ${rc:-unknown} with no failed test"
	fi
done
# The tools the tests lacked, as lib.sh's missing_summary says it.
if [ -s "$SUITE_MISSING" ]; then
	tools=$(cut -d' ' -f1 "$SUITE_MISSING" | sort -u | tr '\n' ' ')
	pkgs=$(cut -d' ' -f2 "$SUITE_MISSING" | sort -u | tr '\n' ' ')
	echo "# skipped for want of: ${tools% }; to run them: apt-get install ${pkgs% }"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
