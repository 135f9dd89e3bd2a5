#!/usr/bin/env bash
# Runs every test: once on SQLite, then the integration tests again on a throwaway PostgreSQL
# cluster that this script starts and removes. Installs Chromium and PostgreSQL when missing.
set -euo pipefail
cd "$(dirname "$0")"

scripts/install-test-deps.sh
dotnet tool restore >/dev/null
dotnet build Kaitiaki.slnx -warnaserror -nologo -v quiet

results=$(mktemp -d)
pgdir=$(mktemp -d /tmp/kaitiaki-pg.XXXXXX)
cleanup() { scripts/postgres-cluster.sh stop "$pgdir"; rm -rf "$results"; }
trap cleanup EXIT

status=0
echo "== All tests on SQLite"
dotnet test Kaitiaki.slnx --no-build --nologo --logger "console;verbosity=minimal" 2>&1 | tee "$results/sqlite.log" || status=1

echo "== Integration tests on PostgreSQL"
connection=$(scripts/postgres-cluster.sh start "$pgdir")
KAITIAKI_TEST_POSTGRES="$connection" dotnet test Kaitiaki.slnx --no-build --nologo --filter "Category=Integration" \
  --logger "console;verbosity=minimal" 2>&1 | tee "$results/postgres.log" || status=1

count() { grep -hoE "$1: +[0-9]+" "$results"/*.log | awk '{ n += $2 } END { print n + 0 }'; }
passed=$(count Passed)
failed=$(count Failed)
skipped=$(count Skipped)
[ "${passed:-0}" -gt 0 ] || status=1
[ "${failed:-0}" -eq 0 ] || status=1
echo
echo "${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
exit $status
