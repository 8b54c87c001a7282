#!/bin/sh
# memcheck.sh TEST BINARY - runs tests/server/TEST with every `seccomp-guard
# serve` it starts under valgrind memcheck, then fails if valgrind found
# anything: an error, or memory definitely lost at exit. The other commands
# the test runs (`certs`) run as they are. ctest runs it for the tests
# named in tests/server/CMakeLists.txt (label memcheck); by hand:
#   tests/server/memcheck.sh test_tls.py build/seccomp-guard
# The server runs tens of times slower under valgrind: SG_TEST_SLOW (10 by
# default here) scales every wait of the test.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
test=$1
binary=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
command -v valgrind >/dev/null 2>&1 || { echo "memcheck: valgrind missing (scripts/setup)" >&2; exit 1; }
logs=$(mktemp -d /tmp/sg-memcheck.XXXXXX)
trap 'rm -rf "$logs"' EXIT

# The wrapper the test takes for the binary: `serve` under valgrind, the
# rest straight. --error-exitcode makes any error (definite leaks counted,
# at exit) change the server's exit status too, which most tests check.
cat >"$logs/seccomp-guard" <<EOF2
#!/bin/sh
if [ "\${1:-}" = serve ]; then
    exec valgrind -q --tool=memcheck --error-exitcode=99 --leak-check=full \\
        --show-leak-kinds=definite --errors-for-leak-kinds=definite \\
        --log-file="$logs/valgrind.%p.log" "$binary" "\$@"
fi
exec "$binary" "\$@"
EOF2
chmod +x "$logs/seccomp-guard"

status=0
SG_TEST_SLOW=${SG_TEST_SLOW:-10} /usr/bin/python3 "$here/$test" "$logs/seccomp-guard" || status=$?
servers=0
for log in "$logs"/valgrind.*.log; do
    [ -e "$log" ] || continue
    servers=$((servers + 1))
    # valgrind does not know seccomp(2) (317 on amd64, 277 on arm64), which
    # libseccomp calls to probe the kernel when the server compiles its
    # profiles folder (profile lint): it says so in a warning of five
    # lines, no error. Any other warning or error still fails.
    grep -v -E -e '^--[0-9]+-- WARNING: unhandled (amd64|arm64)-linux syscall: (317|277)$' \
        -e '^--[0-9]+-- (You may be able to write your own handler\.|Read the file README_MISSING_SYSCALL_OR_IOCTL\.|Nevertheless we consider this a bug\.  Please report|it at http://valgrind\.org/support/bug_reports\.html\.)$' \
        "$log" >"$log.left" || true
    if [ -s "$log.left" ]; then
        echo "memcheck: valgrind reported, server $(basename "$log" .log | cut -d. -f2):" >&2
        cat "$log" >&2
        status=1
    fi
done
[ "$servers" -gt 0 ] || { echo "memcheck: no server ran under valgrind" >&2; status=1; }
echo "memcheck: $test, $servers server process(es) under valgrind: $([ $status = 0 ] && echo clean || echo FAILED)"
exit $status
