#!/usr/bin/env bash
# Loopback load test of the NRM case page (audited identity read) and the filtered, paged case
# list, on a database with many synthetic cases: SQLite, and PostgreSQL when
# PALERMO_BENCH_POSTGRES is set (e.g. postgres://postgres@127.0.0.1:5432).
#
#   CASES=1000000 bench/nrm-load.sh      # needs wrk and curl; CASES defaults to 100000
#   KEEP=/path bench/nrm-load.sh         # reuse (or keep) the SQLite data directory there
#   PALERMO_BIN=/path/palermo ...        # measure that binary instead of building this checkout
#
# The case page is GET /api/v1/cases/{id} as the competent authority: session, the case row,
# its consents and break-glass grants (need-to-know facts), the access decision, an audit entry
# committed (group commit) before the answer, the person's identity decrypted, screening,
# timeline with decrypted reasons, JSON. The list is GET /api/v1/cases?<filter>[&after=<cursor>]: nine
# filters, each with its first six pages (keyset paging: a deep page costs what the first does),
# first as the competent authority, then as five roles at once — the competent authority, the
# national coordinator (every case), a case worker and a service provider (their organisations'
# cases and those referred to them) and a first responder — each request signed in as one of
# them, with four combinations of two filters besides.
set -euo pipefail
cd "$(dirname "$0")/.."
CASES=${CASES:-100000}
DURATION=${DURATION:-20s}
CONNECTIONS=${CONNECTIONS:-32}
PORT=${PORT:-18081}
if [ -z "${PALERMO_BIN:-}" ]; then
  cargo build --release --bin palermo >/dev/null
fi
BIN=${PALERMO_BIN:-$PWD/target/release/palermo}
LUA=$(mktemp -d)
trap 'rm -rf "$LUA"' EXIT
cat >"$LUA/case.lua" <<'LUA'
local ids = {}
for line in io.lines(os.getenv("IDS_FILE")) do ids[#ids + 1] = line end
request = function() return wrk.format("GET", "/api/v1/cases/" .. ids[math.random(#ids)]) end
LUA
cat >"$LUA/list.lua" <<'LUA'
local urls = {}
for line in io.lines(os.getenv("URLS_FILE")) do urls[#urls + 1] = line end
request = function() return wrk.format("GET", urls[math.random(#urls)]) end
LUA
cat >"$LUA/roles.lua" <<'LUA'
local reqs = {}
for line in io.lines(os.getenv("URLS_FILE")) do
  local cookie, url = line:match("^(%S+) (%S+)$")
  reqs[#reqs + 1] = { cookie, url }
end
request = function()
  local r = reqs[math.random(#reqs)]
  return wrk.format("GET", r[2], { Cookie = r[1] })
end
LUA
FILTERS=("stage=recovery_period" "stage=referred" "stage=assistance" "deadline=overdue" "deadline=week" "age_group=child" "exploitation_form=sexual" "kind=anonymous_notification" "")
# The five roles' load also combines filters, as people narrow a list down.
COMBOS=("stage=referred&age_group=child" "deadline=overdue&stage=recovery_period" "exploitation_form=sexual&age_group=child" "kind=referral&stage=assistance")

sign_in() {
  curl -s -i -d "username=$1&password=palermo-demo-2026" "http://127.0.0.1:$PORT/sign-in" | grep -i '^set-cookie' | sed 's/^[^:]*: \([^;]*\).*/\1/'
}

# list_urls COOKIE FILTER...: each filter's first page and the next five pages (keyset cursors)
# that user sees.
list_urls() {
  local cookie=$1 f
  shift
  for f in "$@"; do
    local url="/api/v1/cases?$f"
    for _ in 1 2 3 4 5 6; do
      echo "$url"
      local next
      next=$(curl -s -H "Cookie: $cookie" "http://127.0.0.1:$PORT$url" | python3 -c 'import json,sys; n=json.load(sys.stdin).get("next"); print(n or "")')
      [ -z "$next" ] && break
      url="/api/v1/cases?$f&after=$next"
    done
  done
}

run() {
  local engine=$1 db=$2 dir=$3
  export PALERMO_DATA_DIR=$dir PALERMO_DATA_DATABASE=$db PALERMO_SERVER_LISTEN=127.0.0.1:$PORT
  export PALERMO_SERVER_COOKIE_SECURE=false PALERMO_LOG_LEVEL=warn
  # One user reading thousands of identities a second outside their caseload is exactly what the
  # bulk-read watch pauses (docs/SECURITY.md, goal 8): off for the load test only.
  export PALERMO_SECURITY_BULK_READ_PEOPLE=0
  if [ ! -e "$dir/.generated" ]; then
    $BIN demo >/dev/null
    echo "$engine: generating $CASES cases"
    $BIN generate cases --count "$CASES" --seed 1
    touch "$dir/.generated"
  fi
  # Read the SQLite file once so the page cache holds it (the VM may have reclaimed it).
  [ -e "$dir/palermo.db" ] && cat "$dir/palermo.db" >/dev/null
  $BIN serve >/dev/null 2>&1 &
  local pid=$!
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done
  local cookie
  cookie=$(sign_in competent-authority)
  : >"$LUA/ids"
  local after=""
  for _ in $(seq 1 20); do
    curl -s -H "Cookie: $cookie" "http://127.0.0.1:$PORT/api/v1/cases?kind=referral&after=$after" >"$LUA/page.json"
    python3 -c 'import json,sys; [print(r["id"]) for r in json.load(open(sys.argv[1]))["rows"]]' "$LUA/page.json" >>"$LUA/ids"
    after=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("next") or "")' "$LUA/page.json")
    [ -z "$after" ] && break
  done
  # List URLs: each filter's first page and the next five pages (keyset cursors).
  list_urls "$cookie" "${FILTERS[@]}" >"$LUA/urls"
  : >"$LUA/roles"
  for role in competent-authority coordinator case-worker service-provider first-responder; do
    local c
    c=$(sign_in $role)
    list_urls "$c" "${FILTERS[@]}" "${COMBOS[@]}" | sed "s|^|$c |" >>"$LUA/roles"
  done
  echo "$engine: $(wc -l <"$LUA/ids") case ids sampled; the authority sees $(curl -s -H "Cookie: $cookie" "http://127.0.0.1:$PORT/api/v1/cases" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])') cases"
  echo "$engine case page GET /api/v1/cases/{id}, wrk -t2 -c$CONNECTIONS -d$DURATION:"
  IDS_FILE="$LUA/ids" wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$LUA/case.lua" -H "Cookie: $cookie" "http://127.0.0.1:$PORT" | grep -E 'Requests/sec|99%|50%|Non-2xx|requests in'
  echo "$engine case list GET /api/v1/cases?<filter>[&after=<cursor>], wrk -t2 -c$CONNECTIONS -d$DURATION:"
  URLS_FILE="$LUA/urls" wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$LUA/list.lua" -H "Cookie: $cookie" "http://127.0.0.1:$PORT" | grep -E 'Requests/sec|99%|50%|Non-2xx|requests in'
  echo "$engine case list, five roles ($(wc -l <"$LUA/roles") URLs), wrk -t2 -c$CONNECTIONS -d$DURATION:"
  URLS_FILE="$LUA/roles" wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$LUA/roles.lua" "http://127.0.0.1:$PORT" | grep -E 'Requests/sec|99%|50%|Non-2xx|requests in'
  kill $pid; wait $pid 2>/dev/null || true
}

dir=${KEEP:-$(mktemp -d)}
mkdir -p "$dir"
run sqlite "" "$dir"
[ -z "${KEEP:-}" ] && rm -rf "$dir"
if [ -n "${PALERMO_BENCH_POSTGRES:-}" ]; then
  name=${PG_NAME:-palermo_bench_nrm_$$}
  psql "$PALERMO_BENCH_POSTGRES/postgres" -qc "CREATE DATABASE $name" >/dev/null 2>&1 || true
  # The figures depend on PostgreSQL's cache: print it with them (docs/OPERATIONS.md, "PostgreSQL settings").
  echo "postgres: shared_buffers $(psql "$PALERMO_BENCH_POSTGRES/postgres" -Atc 'SHOW shared_buffers')"
  pgdir=${KEEP_PG:-$(mktemp -d)}
  mkdir -p "$pgdir"
  run postgres "$PALERMO_BENCH_POSTGRES/$name" "$pgdir"
  if [ -z "${KEEP_PG:-}" ]; then
    psql "$PALERMO_BENCH_POSTGRES/postgres" -qc "DROP DATABASE $name WITH (FORCE)" >/dev/null
    rm -rf "$pgdir"
  fi
fi
