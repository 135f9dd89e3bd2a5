# Shared by the benchmark scripts: wrk, a Release build, a throwaway data folder and a portal on a free port.
# A script sets DURATION, CONNECTIONS and THREADS, then sources this file.

# bench/attack.sh drives the portal with its own simulator and sets NEEDS_WRK=no.
if [ "${NEEDS_WRK:-yes}" = yes ] && ! command -v wrk >/dev/null; then
  echo "Installing wrk"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends wrk >/dev/null
fi

echo "== Building Release"
dotnet build src/Kaitiaki/Kaitiaki.csproj -c Release -nologo -v quiet >/dev/null
dll=$PWD/src/Kaitiaki/bin/Release/net10.0/kaitiaki.dll
helper=$PWD/bench/portal.py

work=$(mktemp -d /tmp/kaitiaki-bench.XXXXXX)
data=$work/data
static=$work/static
mkdir -p "$static"
# Outside Development the portal refuses to keep its Data Protection keys unencrypted; a throwaway certificate will do here.
openssl req -x509 -newkey rsa:2048 -sha256 -days 30 -nodes -subj "/CN=Kaitiaki bench" \
  -keyout "$work/dp.key" -out "$work/dp.crt" 2>/dev/null
openssl pkcs12 -export -inkey "$work/dp.key" -in "$work/dp.crt" -out "$work/dp.pfx" -passout pass:bench
pid=""
sampler=""
stop_portal() {
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    pid=""
  fi
}
cleanup() {
  [ -n "$sampler" ] && kill "$sampler" 2>/dev/null || true
  stop_portal
  rm -rf "$work"
}
trap cleanup EXIT

start_portal() { # [setting ...]: sets base and pid
  local port
  port=$(python3 "$helper" free-port)
  base="http://127.0.0.1:$port"
  dotnet "$dll" --urls "$base" --Kaitiaki:DataDirectory="$data" --Kaitiaki:BenchmarkStaticDirectory="$static" \
    --Kaitiaki:DataProtection:CertificatePath="$work/dp.pfx" --Kaitiaki:DataProtection:CertificatePassword=bench "$@" \
    >>"$work/portal.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 600); do
    if curl -sf -o /dev/null "$base/health/ready"; then
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || { cat "$work/portal.log"; echo "The portal stopped." >&2; exit 1; }
    sleep 0.1
  done
  echo "The portal was not ready within a minute." >&2
  exit 1
}

wrk_rate() { # wrk arguments... -> requests/second; fails on any error response
  local out
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "$@")
  if grep -q "Non-2xx" <<<"$out"; then
    echo "$out" >&2
    echo "wrk saw error responses." >&2
    exit 1
  fi
  awk '/^Requests\/sec:/ { print $2 }' <<<"$out"
}

median() { tr ' ' '\n' | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
