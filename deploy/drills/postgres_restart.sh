#!/usr/bin/env bash
# Fault drill: PostgreSQL restarted in the middle of steady traffic.
#
# Starts the two-host stack (deploy/e2e/stack.sh) with its OWN PostgreSQL cluster — the machine's
# server is never touched — runs steady traffic (deploy/drills/traffic.py: Open311 writes, the
# public list, /healthz) through nginx, stops PostgreSQL for DRILL_DOWN seconds half-way, starts
# it again, and judges: no 500 pages or proxy errors while it is down (the app answers 503), no
# half-written case in the database, every acknowledged write present, and answers again without
# restarting the app.
#
#   deploy/drills/postgres_restart.sh              # through PgBouncer (the production layout)
#   DRILL_DIRECT=1 deploy/drills/postgres_restart.sh   # the app's pool straight to PostgreSQL
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_TOTAL=${DRILL_SECONDS:-60}
DOWN=${DRILL_DOWN:-10}
THREADS=${DRILL_THREADS:-12}
OUT=${DRILL_OUT:-var/drills/postgres-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"

. deploy/e2e/stack.sh
stack_trap "$OUT"

STACK_APP_ENV="SHANSHUI_RATE_OPEN311_IP=1000000/3600 SHANSHUI_RATE_OPEN311_KEY=1000000/3600 ${STACK_APP_ENV:-}"
stack_up
if [ "${DRILL_DIRECT:-0}" = 1 ]; then
  # Restart the app hosts on a direct URL: the pool itself must notice and reconnect.
  log "direct mode: app hosts → PostgreSQL :$PG_PORT without PgBouncer"
  _kill_pidfile "$STACK/run/app-a.pid"; _kill_pidfile "$STACK/run/app-b.pid"
  for _ in $(seq 1 60); do
    kill -0 "$(cat "$STACK/run/app-a.pid")" 2>/dev/null || kill -0 "$(cat "$STACK/run/app-b.pid")" 2>/dev/null || break
    sleep 0.5
  done
  STACK_APP_ENV="$STACK_APP_ENV DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PORT/shanshui SHANSHUI_DB_PGBOUNCER=false"
  start_app_host a "$APP_A_PORT"; start_app_host b "$APP_B_PORT"
  wait_port "$APP_A_PORT" "app host A" "$STACK/log/app-a.log"
  wait_port "$APP_B_PORT" "app host B" "$STACK/log/app-b.log"
  wait_healthy "http://127.0.0.1:$NGINX_PORT/healthz" "the stack"
fi

count_cases() {
  psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d shanshui -Atc "SELECT count(*) FROM complaints_complaint"
}
before=$(count_cases)
log "traffic: $THREADS threads for $SECONDS_TOTAL s; PostgreSQL down for $DOWN s from the middle"
.venv/bin/python deploy/drills/traffic.py run "$OUT/traffic.jsonl" "$SECONDS_TOTAL" "$THREADS" &
TRAFFIC=$!
sleep $(( SECONDS_TOTAL / 3 ))
down_at=$(date +%s.%N)
log "stopping PostgreSQL (fast: open transactions are cut)"
as_db "$PG_BIN/pg_ctl" -D "$STACK/pg/data" -m fast -w stop >/dev/null
sleep "$DOWN"
as_db "$PG_BIN/pg_ctl" -D "$STACK/pg/data" -l "$STACK/log/postgresql.log" -w -t 60 start -o \
  "-p $PG_PORT -k $STACK/run -c listen_addresses=127.0.0.1 -c max_connections=100 -c shared_buffers=256MB -c synchronous_commit=off" >/dev/null
up_at=$(date +%s.%N)
log "PostgreSQL is back"
wait "$TRAFFIC"

{
  echo "## PostgreSQL restart drill ($( [ "${DRILL_DIRECT:-0}" = 1 ] && echo "app pool straight to PostgreSQL" || echo "through PgBouncer"))"
  echo
  echo "$THREADS threads for $SECONDS_TOTAL s through nginx; PostgreSQL stopped (fast) for $DOWN s."
  echo
  verdict=0
  .venv/bin/python deploy/drills/traffic.py judge "$OUT/traffic.jsonl" "$down_at $up_at" || verdict=1
  after=$(count_cases)
  # Half-written cases: a case row without its first event, its categories or its final number.
  partial=$(psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d shanshui -Atc "
    SELECT count(*) FROM complaints_complaint c
    WHERE NOT EXISTS (SELECT 1 FROM complaints_complaintevent e WHERE e.complaint_id = c.id)
       OR NOT EXISTS (SELECT 1 FROM complaints_complaintcategory k WHERE k.complaint_id = c.id)
       OR c.code LIKE 'T%'")
  acknowledged=$(grep -c . "$OUT/traffic.jsonl.ok-markers" || true)
  missing=0
  while read -r marker; do
    [ -z "$marker" ] && continue
    n=$(psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d shanshui -Atc \
      "SELECT count(*) FROM complaints_complaint WHERE description LIKE '%$marker：%'")
    [ "$n" = 1 ] || missing=$((missing + 1))
  done <"$OUT/traffic.jsonl.ok-markers"
  echo "- cases written: $((after - before)); acknowledged to the client: $acknowledged; acknowledged but missing: $missing"
  echo "- half-written cases (no event, no category, or no final number): $partial"
  [ "$partial" = 0 ] && [ "$missing" = 0 ] || verdict=1
  echo "- verdict: $( [ $verdict = 0 ] && echo PASS || echo FAIL )"
} | tee "$OUT/result.md"
grep -q "verdict: PASS" "$OUT/result.md" && failed=0
[ "$failed" = 0 ] || exit 1
