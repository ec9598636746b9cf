#!/usr/bin/env bash
# make load: the two-host stack (deploy/e2e/stack.sh) under locust (deploy/load/locustfile.py),
# headless, then a table of p95 per page type, error rate and the machine's load
# (deploy/load/report.py). Not in CI. Loopback only; bounded by LOAD_USERS and LOAD_DURATION.
#   LOAD_USERS=200 LOAD_DURATION=10m LOAD_SPAWN_RATE=2 make load
set -euo pipefail
cd "$(dirname "$0")/../.."
USERS=${LOAD_USERS:-200}
DURATION=${LOAD_DURATION:-10m}
SPAWN=${LOAD_SPAWN_RATE:-2}
OUT=${LOAD_OUT:-var/load/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"

# locust is one of the pinned development dependencies (requirements.lock; make load runs setup).
[ -x .venv/bin/locust ] || { echo "no .venv/bin/locust: run make setup" >&2; exit 1; }

. deploy/e2e/stack.sh
stack_on_exit() { [ -z "${SAMPLER:-}" ] || kill "$SAMPLER" 2>/dev/null || true; }
stack_trap "$OUT"

# Public limits far above the test's rate: every simulated citizen shares 127.0.0.1.
STACK_APP_ENV="SHANSHUI_RATE_COMPLAINT_WEB=1000000/3600 SHANSHUI_RATE_OPEN311_IP=1000000/3600 \
SHANSHUI_RATE_OPEN311_KEY=1000000/3600 SHANSHUI_RATE_TRACK=1000000/600 SHANSHUI_RATE_NEARBY=1000000/600 \
${STACK_APP_ENV:-}"
STACK_WORKERS=${STACK_WORKERS:-2} STACK_THREADS=${STACK_THREADS:-2}
stack_up

# The machine's load every 10 s while locust runs.
( while true; do echo "$(date +%s) $(cat /proc/loadavg)"; sleep 10; done ) >"$OUT/loadavg.txt" &
SAMPLER=$!
log "locust: $USERS users, $DURATION, spawn $SPAWN/s → $OUT"
.venv/bin/locust -f deploy/load/locustfile.py --headless --host "http://127.0.0.1:$NGINX_PORT" \
  --users "$USERS" --spawn-rate "$SPAWN" --run-time "$DURATION" --stop-timeout 30 \
  --csv "$OUT/locust" --only-summary >"$OUT/locust.out" 2>&1 || true
kill "$SAMPLER" 2>/dev/null || true; SAMPLER=
psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d shanshui -Atc \
  "SELECT 'complaints', count(*) FROM complaints_complaint" >"$OUT/counts.txt" 2>&1 || true
.venv/bin/python deploy/load/report.py "$OUT" | tee "$OUT/report.md"
if grep -qi "too many clients\|remaining connection slots" "$STACK/log/postgresql.log"; then
  log "PostgreSQL refused connections (too many clients)"
fi
failed=0
