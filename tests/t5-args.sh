#!/bin/sh
# Bad arguments: a usage line on stderr and exit 2, for both programs.
# SPDX-License-Identifier: Unlicense
. "$(dirname "$0")/lib.sh"
# Each line below is one call's arguments, quoted as in a shell.

while read -r line; do
	t "server $line: usage, exit 2" "
		eval \"set -- \$line\" && usage_error \"\$bin/server\" \"\$@\"
	"
done <<'EOF_ARGS'
abc
70000
65536
-1
''
' 80'
80x
0x50
-t x
-t 0
-t -5
-t 1.5x
-t 1.2.3
-t 0.0009
-t 86400.1
-t .
-t 1e3
-t inf
-t ' 1'
-t 99999999999999999999
-z
-b
1 2
-q -q 1 2
-i 80
-i -b 127.0.0.1
-i 0
-b ''
EOF_ARGS

while read -r line; do
	t "client $line: usage, exit 2" "
		eval \"set -- \$line\" && usage_error \"\$bin/client\" \"\$@\"
	"
done <<'EOF_ARGS'
-c ab
-c ''
-c '\x1'
-c '\xzz'
-c '\x-1'
host abc
host 0
host 70000
host -1
host ' 80'
-t x
-t 0
-t 2x
-z
-c
a 1 2
EOF_ARGS

t 'an invalid port is echoed in the message' '
	exits_with 2 "invalid port .abc." "$bin/server" abc &&
	exits_with 2 "invalid port .abc." "$bin/client" localhost abc
'

t 'usage is one synopsis line with every option' '
	{ "$bin/server" -z 2>err; [ $? -eq 2 ]; } &&
	grep -x "usage: server \[-hiq\] \[-b address\] \[-t seconds\] \[port\]" err &&
	{ "$bin/client" -z 2>err; [ $? -eq 2 ]; } &&
	grep -x "usage: client \[-46hqv\] \[-c char\] \[-s address\] \[-t seconds\] \[-w seconds\] \[host \[port\]\]" err
'

t '-h prints the usage line on stdout and exits 0, both programs' '
	"$bin/server" -h >out 2>err && [ ! -s err ] &&
	grep -x "usage: server .*" out &&
	"$bin/client" -h >out 2>err && [ ! -s err ] &&
	grep -x "usage: client .*" out
'

t '-i with -b or a port names the conflict' '
	exits_with 2 "^server: -i serves the connection it is given: no -b, no port" \
	    "$bin/server" -i 80
'

test_done
