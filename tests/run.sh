# run.sh: run every tests/t*.sh in one shell and count.  POSIX sh.
# SPDX-License-Identifier: Unlicense
# Usage: sh tests/run.sh [tests/tN-name.sh ...]
top=$(cd "$(dirname "$0")/.." && pwd) || exit 1
cd "$top" || exit 1
. tests/lib.sh

[ $# -gt 0 ] || set -- tests/t[0-9]*.sh
for f in "$@"; do
	echo "# $f"
	. "./$f"
done
missing_summary
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
