#!/usr/bin/env bash
# Attack scenarios against the portal's detection and containment (docs/design section 7), on a Release build over
# SQLite. Each scenario gets a fresh portal in a throwaway data folder (demo world plus PATIENTS synthetic patients,
# the benchmark clock on), then a normal simulated working day on a fresh portal of its own counts false alarms.
# The simulator is bench/Kaitiaki.Bench, which talks to the portal only over HTTP; each run prints one JSON line,
# and all of them are printed together at the end.
#
# Tunables (environment): SCENARIOS="probe harvest stuffing low-and-slow canary stolen-token" PATIENTS=5000
#   NORMAL_PATIENTS=1000 NORMAL_CLINICIANS=50 HOURS=8 NORMAL=yes
set -euo pipefail
cd "$(dirname "$0")/.."

SCENARIOS=${SCENARIOS:-probe harvest stuffing low-and-slow canary stolen-token}
PATIENTS=${PATIENTS:-5000}
NORMAL_PATIENTS=${NORMAL_PATIENTS:-1000}
NORMAL_CLINICIANS=${NORMAL_CLINICIANS:-50}
HOURS=${HOURS:-8}
NORMAL=${NORMAL:-yes}
NEEDS_WRK=no

source bench/lib.sh

echo "== Building the simulator (Release)"
dotnet build bench/Kaitiaki.Bench/Kaitiaki.Bench.csproj -c Release -nologo -v quiet >/dev/null
simulator=(dotnet "$PWD/bench/Kaitiaki.Bench/bin/Release/net10.0/kaitiaki-bench.dll")

results=()
failed=0

fresh_portal() { # NAME [demo-data arguments ...]: a new data folder with the demo world, and a portal on it
  local name=$1
  shift
  stop_portal
  data=$work/data-$name
  dotnet "$dll" migrate --Kaitiaki:DataDirectory="$data" >/dev/null
  dotnet "$dll" demo-data --Kaitiaki:DataDirectory="$data" "$@" >/dev/null
  # Every simulated person connects from a 127.x.y.z address, which the portal never blocks by default (that is where a
  # reverse proxy sits), so here loopback may be blocked like any other address.
  start_portal --Kaitiaki:BenchmarkClock=true --Kaitiaki:Detection:NeverBlock=none
}

run() { # NAME SIMULATOR-ARGUMENTS ...: one JSON line into results, or an error line if the run failed
  local name=$1 line
  shift
  if line=$("${simulator[@]}" "$@" --url "$base" --accounts "$data/demo-accounts.json" 2>"$work/$name.err"); then
    results+=("$line")
    echo "$line"
  else
    failed=1
    line=$(python3 -c 'import json, sys; print(json.dumps({"scenario": sys.argv[1], "error": sys.argv[2]}))' \
      "$name" "$(tail -n 1 "$work/$name.err")")
    results+=("$line")
    echo "$line" >&2
  fi
}

for scenario in $SCENARIOS; do
  echo "== $scenario: fresh portal, demo world and $PATIENTS more patients"
  fresh_portal "$scenario" --patients "$PATIENTS"
  run "$scenario" attack --scenario "$scenario"
done

if [ "$NORMAL" = yes ]; then
  echo "== normal: fresh portal, $NORMAL_PATIENTS patients and $NORMAL_CLINICIANS clinicians with accounts, $HOURS simulated hours"
  fresh_portal normal --Kaitiaki:DemoPatients="$NORMAL_PATIENTS" --Kaitiaki:DemoClinicians="$NORMAL_CLINICIANS"
  run normal normal --patients "$NORMAL_PATIENTS" --clinicians "$NORMAL_CLINICIANS" --hours "$HOURS"
fi
stop_portal

echo
echo "== Results ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(dotnet --version) SDK, SQLite, $(git rev-parse --short HEAD))"
printf '%s\n' "${results[@]}"
exit "$failed"
