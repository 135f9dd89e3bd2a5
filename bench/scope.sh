#!/usr/bin/env bash
# The breach-scope benchmark at ManageMyHealth's scale (docs/benchmarks.md, "Breach scope at scale"):
#   1. `kaitiaki bench-data` generates 1.8 million patients, 2.5 million documents (rows only) and 20 million audit events
#      with a valid hash chain and signed checkpoints, an attack of 428,000 document reads by one account across 100,000
#      patients among them. This step is timed on its own and done once per folder: later runs reuse the data set.
#   2. `kaitiaki bench-scope` scopes that attack as an incident manager, end to end to every practice's list read by its
#      privacy officer, ROUNDS times, each as a new version, and prints one JSON line a round: seconds, peak memory, and
#      whether every count is exactly what the generator put there.
#
#   bench/scope.sh sqlite|postgres [FOLDER]     (FOLDER defaults to /work/scale/PROVIDER; it needs about 30 GB)
#
# Tunables (environment): ROUNDS=3. LIST_READERS=4 (how many practices read their lists at the same time). SHAPE="--patients 20000 --documents 30000 --events 200000 --victims 1000
#   --content-reads 4280" generates a smaller set (a new FOLDER for each shape). PG_OPTIONS for the PostgreSQL server,
#   by default a 24 GiB machine's settings: shared_buffers=6GB, work_mem=64MB, maintenance_work_mem=2GB.
set -euo pipefail
cd "$(dirname "$0")/.."

provider=${1:-}
case "$provider" in
  sqlite | postgres) ;;
  *) echo "usage: bench/scope.sh sqlite|postgres [FOLDER]" >&2; exit 2 ;;
esac
folder=${2:-/work/scale/$provider}
ROUNDS=${ROUNDS:-3}
LIST_READERS=${LIST_READERS:-4}
SHAPE=${SHAPE:-}
export PG_OPTIONS=${PG_OPTIONS:--c shared_buffers=6GB -c work_mem=64MB -c maintenance_work_mem=2GB -c max_wal_size=8GB}

echo "== Building Release"
dotnet build src/Kaitiaki/Kaitiaki.csproj -c Release -nologo -v quiet >/dev/null
kaitiaki=(dotnet "$PWD/src/Kaitiaki/bin/Release/net10.0/kaitiaki.dll")
mkdir -p "$folder"
settings=(--environment Development "--Kaitiaki:DataDirectory=$folder/data")

if [ "$provider" = postgres ]; then
  if [ -d "$folder/pg/data" ]; then
    connection=$(scripts/postgres-cluster.sh resume "$folder/pg")
  else
    connection=$(scripts/postgres-cluster.sh start "$folder/pg")
  fi
  trap 'scripts/postgres-cluster.sh halt "$folder/pg"' EXIT
  settings+=(--Kaitiaki:DatabaseProvider=postgres "--ConnectionStrings:Kaitiaki=$connection")
fi

if [ ! -f "$folder/data/bench-data.json" ]; then
  echo "== Generating the data set into $folder (a separate, timed step)"
  # shellcheck disable=SC2086
  /usr/bin/time -f "generation: %e s elapsed, %M KiB peak" "${kaitiaki[@]}" bench-data $SHAPE "${settings[@]}" >"$folder/generation.json"
  cat "$folder/generation.json"
else
  echo "== Reusing the data set in $folder (generated as $folder/generation.json says)"
fi
du -sh "$folder" | sed 's/^/size on disk: /'
# A data set generated before a schema change gets the new migrations (new indexes over 20 million events take a while).
/usr/bin/time -f "migrations: %e s elapsed" "${kaitiaki[@]}" migrate "${settings[@]}" >/dev/null

echo "== Scoping the attack, $ROUNDS rounds"
for round in $(seq 1 "$ROUNDS"); do
  "${kaitiaki[@]}" bench-scope --list-readers "$LIST_READERS" "${settings[@]}" 2>"$folder/scope-$round.log" | tee -a "$folder/scope-results.jsonl"
done
