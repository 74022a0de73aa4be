#!/bin/sh
# Stand-in for the suites CI runs: `ci/check.sh CHECK NODE`.
# Prints a short log and passes. A file `ci/failing/CHECK@NODE` makes that
# check fail (for demonstrations). With REPORT_DIR set (as the example
# GitHub workflow does), it also writes a report there the way real tools
# do: SARIF for `sast`, JUnit XML for everything else.
check=$1 node=$2
status=0
[ -e "ci/failing/$check@$node" ] && status=1
echo "== $check on $node"
echo "running 12 tests"
if [ "$status" = 0 ]; then
  echo "test result: ok. 12 passed; 0 failed"
else
  echo "test $node::$check::smoke ... FAILED"
  echo "test result: FAILED. 11 passed; 1 failed"
fi
if [ -n "${REPORT_DIR:-}" ]; then
  mkdir -p "$REPORT_DIR"
  if [ "$check" = sast ]; then
    results='[]'
    [ "$status" = 0 ] || results='[{"ruleId":"demo","level":"error","message":{"text":"demo finding"}}]'
    printf '{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"stand-in-sast"}},"results":%s}]}\n' \
      "$results" > "$REPORT_DIR/$check.sarif"
  else
    failure=''
    [ "$status" = 0 ] || failure='<failure message="smoke test failed"/>'
    printf '<testsuites><testsuite name="%s" tests="1"><testcase classname="%s" name="smoke">%s</testcase></testsuite></testsuites>\n' \
      "$check" "$node" "$failure" > "$REPORT_DIR/$check.xml"
  fi
fi
exit "$status"
