#!/usr/bin/env bash
# Loopback load test of Palermo's audited read and sign-in latency, on SQLite and (when
# PALERMO_BENCH_POSTGRES is set, e.g. postgres://postgres@127.0.0.1:5432) PostgreSQL.
#
#   bench/http-load.sh            # needs wrk (apt-get install wrk) and curl
#
# The audited read is GET /api/v1/users/{id}: session lookup, policy check, identity-vault
# read, an audit entry committed (group commit) before the answer, decryption, JSON.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-20s}
CONNECTIONS=${CONNECTIONS:-32}
PORT=${PORT:-18080}
cargo build --release --bin palermo >/dev/null
BIN=target/release/palermo

run() {
  local engine=$1 db=$2 dir
  dir=$(mktemp -d)
  export PALERMO_DATA_DIR=$dir PALERMO_DATA_DATABASE=$db PALERMO_SERVER_LISTEN=127.0.0.1:$PORT
  export PALERMO_SERVER_COOKIE_SECURE=false PALERMO_LOG_LEVEL=warn
  $BIN demo >/dev/null
  $BIN serve >/dev/null 2>&1 &
  local pid=$!
  trap 'kill $pid 2>/dev/null || true' RETURN
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done

  # Sign-in latency (Argon2id at the configured cost), 15 sequential sign-ins.
  local times=()
  for _ in $(seq 1 15); do
    times+=("$(curl -s -o /dev/null -w '%{time_total}' -d 'username=administrator&password=palermo-demo-2026' "http://127.0.0.1:$PORT/sign-in")")
  done
  local sorted
  sorted=$(printf '%s\n' "${times[@]}" | sort -n)
  echo "$engine sign-in latency: median $(echo "$sorted" | sed -n 8p) s, max $(echo "$sorted" | tail -1) s (15 runs)"

  local cookie
  cookie=$(curl -s -i -d 'username=administrator&password=palermo-demo-2026' "http://127.0.0.1:$PORT/sign-in" | grep -i '^set-cookie' | sed 's/^[^:]*: \([^;]*\).*/\1/')
  local target
  target=$(curl -s -H "Cookie: $cookie" "http://127.0.0.1:$PORT/api/v1/organisations" | python3 -c 'import json,sys; print([o["id"] for o in json.load(sys.stdin) if o["is_operator"]][0])')
  local user
  user=$(curl -s -H "Cookie: $cookie" "http://127.0.0.1:$PORT/api/v1/organisations/$target/users" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
  curl -sf -H "Cookie: $cookie" "http://127.0.0.1:$PORT/api/v1/users/$user" >/dev/null
  local before after
  before=$($BIN audit verify | sed 's/.*intact: \([0-9]*\) entries.*/\1/')
  echo "$engine audited read GET /api/v1/users/{id}, wrk -t2 -c$CONNECTIONS -d$DURATION:"
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -H "Cookie: $cookie" "http://127.0.0.1:$PORT/api/v1/users/$user" | grep -E 'Requests/sec|99%|50%|Non-2xx|requests in'
  after=$($BIN audit verify | sed 's/.*intact: \([0-9]*\) entries.*/\1/')
  echo "$engine audit entries written during the run: $((after - before)); chain verified intact"
  kill $pid; wait $pid 2>/dev/null || true
  rm -rf "$dir"
}

run sqlite ""
if [ -n "${PALERMO_BENCH_POSTGRES:-}" ]; then
  name=palermo_bench_$$
  psql "$PALERMO_BENCH_POSTGRES/postgres" -qc "CREATE DATABASE $name" >/dev/null
  run postgres "$PALERMO_BENCH_POSTGRES/$name"
  psql "$PALERMO_BENCH_POSTGRES/postgres" -qc "DROP DATABASE $name WITH (FORCE)" >/dev/null
fi
