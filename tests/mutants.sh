# SPDX-License-Identifier: Unlicense
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

# The lists (tests/mutants/*.list).  An entry is a header line, then its lines:
#	mutant NAME FILE [TEST ...]	the suite must fail; TEST is a prefix
#					such as t2 (tests/t2-*.sh)
#	equivalent NAME FILE		nothing on this host can tell it from
#	why REASON			the original (short of a debugger):
#					applied and built, never run
#	- ORIGINAL	exact text in FILE, found once (several - lines: one
#			text over several lines, joined by newlines)
#	+ REPLACEMENT	(no + line: the text is deleted)
# The texts start after "- " and "+ ", so they may begin with a tab.
# The lists: tests/mutants/server.list and client.list, one per program.
list() {
	cat tests/mutants/*.list
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
