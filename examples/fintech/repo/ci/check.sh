#!/bin/sh
# Stand-in for the suites CI runs: `ci/check.sh CHECK NODE`.
# Prints a short log and a JUnit-style summary, then passes. A file
# `ci/failing/CHECK@NODE` makes that check fail (for demonstrations).
check=$1 node=$2
echo "== $check on $node"
echo "running 12 tests"
if [ -e "ci/failing/$check@$node" ]; then
  echo "test $node::$check::smoke ... FAILED"
  echo "test result: FAILED. 11 passed; 1 failed"
  exit 1
fi
echo "test result: ok. 12 passed; 0 failed"
