#!/usr/bin/env bash
# Time the implementation report's figures (every statistic of the report on resolution 58/137,
# through the disclosure gate, rendered as HTML) on a database with many synthetic cases: SQLite,
# and PostgreSQL when PALERMO_BENCH_POSTGRES is set (e.g. postgres://postgres@127.0.0.1:5432).
#
#   CASES=1000000 bench/report-figures.sh   # CASES defaults to 100000
#   KEEP=/path KEEP_PG=/path PG_NAME=db ...   # reuse (or keep) the data (the same as bench/nrm-load.sh)
#   PALERMO_BIN=/path/palermo ...             # measure that binary instead of building this checkout
#   RUNS=5 YEAR=2026 ...
#
# Each run is the whole command `palermo report implementation --year Y --country XVR --out r.html`:
# process start, opening the database, every figure, the gate, the SVG charts, the HTML. The GLOTIP
# tables over HTTP are timed too (the same server, `GET /api/v1/statistics/glotip.csv`).
set -euo pipefail
cd "$(dirname "$0")/.."
CASES=${CASES:-100000}
RUNS=${RUNS:-5}
YEAR=${YEAR:-$(date +%Y)}
PORT=${PORT:-18082}
if [ -z "${PALERMO_BIN:-}" ]; then
  cargo build --release --bin palermo >/dev/null
fi
BIN=${PALERMO_BIN:-$PWD/target/release/palermo}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

run() {
  local engine=$1 db=$2 dir=$3
  export PALERMO_DATA_DIR=$dir PALERMO_DATA_DATABASE=$db PALERMO_SERVER_LISTEN=127.0.0.1:$PORT
  export PALERMO_SERVER_COOKIE_SECURE=false PALERMO_LOG_LEVEL=warn
  if [ ! -e "$dir/.generated" ]; then
    $BIN demo >/dev/null
    echo "$engine: generating $CASES cases"
    $BIN generate cases --count "$CASES" --seed 1
    touch "$dir/.generated"
  fi
  $BIN report implementation --year "$YEAR" --country XVR --out "$OUT/r.html" >/dev/null # warm the page cache
  local times=()
  for _ in $(seq 1 "$RUNS"); do
    local t0 t1
    t0=$(date +%s.%N)
    $BIN report implementation --year "$YEAR" --country XVR --out "$OUT/r.html" >/dev/null
    t1=$(date +%s.%N)
    times+=("$(python3 -c "print(f'{$t1 - $t0:.2f}')")")
  done
  echo "$engine report implementation --year $YEAR (HTML), $RUNS runs, seconds: ${times[*]}"
  $BIN serve >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done
  local cookie
  cookie=$(curl -s -i -d 'username=analyst&password=palermo-demo-2026' "http://127.0.0.1:$PORT/sign-in" | grep -i '^set-cookie' | sed 's/^[^:]*: \([^;]*\).*/\1/')
  local g=()
  for _ in $(seq 1 "$RUNS"); do
    g+=("$(curl -s -o /dev/null -w '%{time_total}' -H "Cookie: $cookie" "http://127.0.0.1:$PORT/api/v1/statistics/glotip.csv?year=$YEAR")")
  done
  echo "$engine GET /api/v1/statistics/glotip.csv?year=$YEAR, $RUNS runs, seconds: ${g[*]}"
  kill $pid; wait $pid 2>/dev/null || true
}

dir=${KEEP:-$(mktemp -d)}
mkdir -p "$dir"
run sqlite "" "$dir"
[ -z "${KEEP:-}" ] && rm -rf "$dir"
if [ -n "${PALERMO_BENCH_POSTGRES:-}" ]; then
  name=${PG_NAME:-palermo_bench_report_$$}
  psql "$PALERMO_BENCH_POSTGRES/postgres" -qc "CREATE DATABASE $name" >/dev/null 2>&1 || true
  pgdir=${KEEP_PG:-$(mktemp -d)}
  mkdir -p "$pgdir"
  run postgres "$PALERMO_BENCH_POSTGRES/$name" "$pgdir"
  if [ -z "${KEEP_PG:-}" ]; then
    psql "$PALERMO_BENCH_POSTGRES/postgres" -qc "DROP DATABASE $name WITH (FORCE)" >/dev/null
    rm -rf "$pgdir"
  fi
fi
