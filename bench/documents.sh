#!/usr/bin/env bash
# Document benchmarks on a Release build over SQLite, in a throwaway data folder:
#   1. requests/second for GET /api/v1/documents/{id}/content (signed in, authorised, audited, decrypted)
#      against the same 270,000 bytes as a plain static file from the same server (Kaitiaki:BenchmarkStaticDirectory);
#   2. upload throughput for a batch of 270 kB uploads;
#   3. a 1 GiB upload's throughput, then the server's memory growth while the 1 GiB document downloads.
# Results are printed at the end; docs/benchmarks.md records them.
#
# Tunables (environment): DURATION=20s CONNECTIONS=16 THREADS=1 ROUNDS=3 BATCH=200 BATCH_CONNECTIONS=4 BIG_BYTES=1073741824
#   REMEMBER=false serves without remembered access decisions (docs/architecture.md section 3.4), to measure what they buy.
#   DETECTION=off runs without the live detector (docs/operations.md section 8), to measure what it costs. In contain mode
#   (the default) the detector counts every read as usual; only the patient's documents-a-minute and megabytes limits,
#   which one benchmark client crosses by design, are lifted.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-20s}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-1}
ROUNDS=${ROUNDS:-3}
BATCH=${BATCH:-200}
BATCH_CONNECTIONS=${BATCH_CONNECTIONS:-4}
BIG_BYTES=${BIG_BYTES:-1073741824}
REMEMBER=${REMEMBER:-true}
DETECTION=${DETECTION:-contain}
DOCUMENT_BYTES=270000

source bench/lib.sh

upload() { # FILE -> document id
  curl -sf -H "Authorization: Bearer $token" -F title="Benchmark document" -F category=correspondence \
    -F "file=@$1;type=application/pdf" "$base/api/v1/documents" | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])'
}

rss_kb() { awk -v field="$1:" '$1 == field { print $2 }' "/proc/$pid/status"; }

requests_per_second() { # URL [header] -> requests/second
  if [ $# -gt 1 ]; then wrk_rate -H "$2" "$1"; else wrk_rate "$1"; fi
}

echo "== Data folder, demo world, portal"
dotnet "$dll" migrate --Kaitiaki:DataDirectory="$data" >/dev/null
dotnet "$dll" demo-data --Kaitiaki:DataDirectory="$data" >/dev/null
{ printf '%%PDF-1.7\n'; head -c $((DOCUMENT_BYTES - 9)) /dev/urandom; } >"$static/document.pdf"
start_portal --Kaitiaki:RememberAccessDecisions="$REMEMBER" --Kaitiaki:Detection:Mode="$DETECTION" \
  --Kaitiaki:Detection:Roles:Patient:DocumentsPerMinute=0 --Kaitiaki:Detection:Roles:Patient:MegabytesPer10Minutes=0
token=$(python3 "$helper" signin "$data" "$base")
auth="Authorization: Bearer $token"
id=$(upload "$static/document.pdf")
curl -sf -H "$auth" "$base/api/v1/documents/$id/content" | cmp - "$static/document.pdf"
curl -sf "$base/bench-static/document.pdf" | cmp - "$static/document.pdf"
document_url="$base/api/v1/documents/$id/content"
static_url="$base/bench-static/document.pdf"

echo "== wrk: $ROUNDS rounds of $DURATION each, $CONNECTIONS connections, $THREADS thread(s), after a 5 s warm-up of each"
DURATION=5s requests_per_second "$static_url" >/dev/null
DURATION=5s requests_per_second "$document_url" "$auth" >/dev/null
static_runs=()
document_runs=()
for round in $(seq 1 "$ROUNDS"); do
  static_runs+=("$(requests_per_second "$static_url")")
  document_runs+=("$(requests_per_second "$document_url" "$auth")")
  echo "round $round: static ${static_runs[-1]}/s, document ${document_runs[-1]}/s"
done
static_rps=$(echo "${static_runs[*]}" | median)
document_rps=$(echo "${document_runs[*]}" | median)

echo "== Batch of $BATCH uploads of $DOCUMENT_BYTES bytes"
batch=$(python3 "$helper" upload-batch "$base" "$token" "$static/document.pdf" "$BATCH" "$BATCH_CONNECTIONS")
echo "$batch"
stop_portal

echo "== $BIG_BYTES-byte document"
# The quota leaves room for the batch above (about 54 MB) whatever BIG_BYTES is.
start_portal --Kaitiaki:Documents:MaxUploadBytes=$((BIG_BYTES * 2)) --Kaitiaki:Documents:PatientQuotaBytes=$((BIG_BYTES * 4 + 1073741824))
{ printf '%%PDF-1.7\n'; head -c $((BIG_BYTES - 9)) /dev/urandom; } >"$work/big.pdf"
big_upload=$(curl -sf -o "$work/big.json" -w '%{time_total}' -H "$auth" -F title="Large scan" -F category=correspondence \
  -F "file=@$work/big.pdf;type=application/pdf" "$base/api/v1/documents")
big_id=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["id"])' "$work/big.json")
rm "$work/big.pdf"
sleep 2
rss_before=$(rss_kb VmRSS)
# Reset the peak (VmHWM) so it covers the download only; needs Linux 4.0+ and the right to write clear_refs.
echo 5 2>/dev/null >"/proc/$pid/clear_refs" && hwm_reset=yes || hwm_reset=no
echo "$rss_before" >"$work/peak"
(
  peak=$rss_before
  while kill -0 "$pid" 2>/dev/null; do
    rss=$(rss_kb VmRSS)
    [ "${rss:-0}" -gt "$peak" ] && peak=$rss && echo "$peak" >"$work/peak"
    sleep 0.05
  done
) &
sampler=$!
big_download=$(curl -sf -o /dev/null -w '%{size_download} %{time_total}' -H "$auth" "$base/api/v1/documents/$big_id/content")
kill "$sampler" 2>/dev/null || true
wait "$sampler" 2>/dev/null || true
sampler=""
rss_peak=$(cat "$work/peak")
hwm_after=$(rss_kb VmHWM)
read -r big_size big_seconds <<<"$big_download"
[ "$big_size" -eq "$BIG_BYTES" ] || { echo "The download was $big_size bytes, not $BIG_BYTES." >&2; exit 1; }

echo
echo "== Results ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(dotnet --version) SDK, SQLite, remembered access decisions: $REMEMBER, detection: $DETECTION)"
awk -v s="$static_rps" -v d="$document_rps" 'BEGIN {
  printf "Static file, 270,000 bytes:      %10.1f requests/s (median of rounds)\n", s
  printf "Document content, 270,000 bytes: %10.1f requests/s (median of rounds)\n", d
  printf "Document / static:               %10.1f %%\n", 100 * d / s }'
echo "Static runs:   ${static_runs[*]}"
echo "Document runs: ${document_runs[*]}"
echo "Batch upload:  $batch"
awk -v b="$BIG_BYTES" -v t="$big_upload" 'BEGIN { printf "1 GiB upload:    %.1f s, %.1f MB/s\n", t, b / t / 1e6 }'
awk -v b="$BIG_BYTES" -v t="$big_seconds" 'BEGIN { printf "1 GiB download:  %.1f s, %.1f MB/s\n", t, b / t / 1e6 }'
awk -v before="$rss_before" -v peak="$rss_peak" -v hwm="$hwm_after" -v reset="$hwm_reset" 'BEGIN {
  printf "Server RSS before download: %.1f MiB; sampled peak during: %.1f MiB (growth %.1f MiB)\n", before / 1024, peak / 1024, (peak - before) / 1024
  if (reset == "yes") printf "VmHWM over the download: %.1f MiB (growth %.1f MiB)\n", hwm / 1024, (hwm - before) / 1024 }'
