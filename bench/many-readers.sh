#!/usr/bin/env bash
# Many readers on a Release build over SQLite, in a throwaway data folder: READERS demo patients each sign in and
# upload one 270,000-byte document of their own; wrk then reads every reader's own document in turn, round robin over
# CONNECTIONS connections, so no two consecutive requests come from the same person. This is the case a memory of
# (account, document) decisions helps least. Each round measures the same bytes as a static file in the same run.
# Both modes are measured: with remembered access decisions (the default) and without them.
#
# Tunables (environment): READERS=1000 DURATION=20s CONNECTIONS=16 THREADS=1 ROUNDS=3 SETUP_CONNECTIONS=4
set -euo pipefail
cd "$(dirname "$0")/.."

READERS=${READERS:-1000}
DURATION=${DURATION:-20s}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-1}
ROUNDS=${ROUNDS:-3}
SETUP_CONNECTIONS=${SETUP_CONNECTIONS:-4}
DOCUMENT_BYTES=270000

source bench/lib.sh

echo "== Data folder and a demo world of $READERS patients"
dotnet "$dll" migrate --Kaitiaki:DataDirectory="$data" >/dev/null
dotnet "$dll" demo-data --Kaitiaki:DataDirectory="$data" --Kaitiaki:DemoPatients="$READERS" >/dev/null
{ printf '%%PDF-1.7\n'; head -c $((DOCUMENT_BYTES - 9)) /dev/urandom; } >"$static/document.pdf"
static_url_path=/bench-static/document.pdf
settings=(--Kaitiaki:SignInAttemptsPerMinute=1000000)

echo "== $READERS readers sign in and upload a document each"
start_portal "${settings[@]}"
python3 "$helper" readers "$data" "$base" "$static/document.pdf" "$READERS" "$SETUP_CONNECTIONS" "$work/readers.txt"
read -r first_token first_id <"$work/readers.txt"
curl -sf -H "Authorization: Bearer $first_token" "$base/api/v1/documents/$first_id/content" | cmp - "$static/document.pdf"
stop_portal

declare -A static_median document_median runs_text
for remember in true false; do
  echo "== Remembered access decisions: $remember. $ROUNDS rounds of $DURATION, $CONNECTIONS connections, after a 5 s warm-up of each"
  start_portal "${settings[@]}" --Kaitiaki:RememberAccessDecisions=$remember
  DURATION=5s wrk_rate "$base$static_url_path" >/dev/null
  DURATION=5s wrk_rate -s bench/many-readers.lua "$base" -- "$work/readers.txt" >/dev/null
  static_runs=()
  document_runs=()
  for round in $(seq 1 "$ROUNDS"); do
    static_runs+=("$(wrk_rate "$base$static_url_path")")
    document_runs+=("$(wrk_rate -s bench/many-readers.lua "$base" -- "$work/readers.txt")")
    echo "round $round: static ${static_runs[-1]}/s, documents of $READERS readers ${document_runs[-1]}/s"
  done
  stop_portal
  static_median[$remember]=$(echo "${static_runs[*]}" | median)
  document_median[$remember]=$(echo "${document_runs[*]}" | median)
  runs_text[$remember]="static ${static_runs[*]}; documents ${document_runs[*]}"
done

echo
echo "== Results ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(dotnet --version) SDK, SQLite, $READERS readers)"
for remember in true false; do
  awk -v r="$remember" -v s="${static_median[$remember]}" -v d="${document_median[$remember]}" 'BEGIN {
    printf "Remembered decisions %-5s: documents %8.1f requests/s, static %8.1f requests/s, documents / static %5.1f %%\n", r, d, s, 100 * d / s }'
  echo "  runs: ${runs_text[$remember]}"
done
awk -v on="${document_median[true]}" -v off="${document_median[false]}" 'BEGIN {
  printf "Remembered decisions buy: %+.1f %% (documents with / without - 1)\n", 100 * (on / off - 1) }'
