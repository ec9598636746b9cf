#!/usr/bin/env bash
# Fault drill: the background worker killed (kill -9) in the middle of a 10,000-row ledger import.
#
# Starts the two-host stack (deploy/e2e/stack.sh), makes a 10,000-row ledger in the export's own
# layout (deploy/drills/fixtures.py) and a campaign of its own, and as the office, through nginx
# (deploy/drills/web.py): uploads it, waits for the check, starts the import and, once the worker
# is writing rows (inside the import's one transaction), kills the worker with SIGKILL — no clean
# shutdown, its heartbeat simply stops. A new worker is started at once. Judged: no task of the
# campaign exists (nothing half-written), the job shows FAILED with the lost-worker message on
# the office's page within the lost-worker window (SHANSHUI_WORKER_LOST_AFTER plus a heartbeat
# and some slack), and the same sheet uploaded again imports exactly 10,000 tasks.
#
#   deploy/drills/worker_kill.sh                       # DRILL_ROWS=10000, kill at 30 % written
#   DRILL_KILL_AT=0.5 DRILL_LOST_AFTER=30 deploy/drills/worker_kill.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
ROWS=${DRILL_ROWS:-10000}
KILL_AT=${DRILL_KILL_AT:-0.3}        # the share of the rows written when the worker is killed
LOST_AFTER=${DRILL_LOST_AFTER:-60}   # SHANSHUI_WORKER_LOST_AFTER (the production default)
TIMEOUT=${DRILL_TIMEOUT:-600}        # for each wait (check, import, failure)
OUT=${DRILL_OUT:-var/drills/worker-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

. deploy/e2e/stack.sh
stack_trap "$OUT"

STACK_APP_ENV="SHANSHUI_WORKER_LOST_AFTER=$LOST_AFTER ${STACK_APP_ENV:-}"
stack_up

sql() { psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d shanshui -Atc "$1"; }
STATE="$OUT/state.json"
SHEET="$OUT/ledger-$ROWS.xlsx"
CODE="drill-worker-$(date +%s)"
(cd "$STACK_ROOT_DIR" && with_app_env "$PY" deploy/drills/fixtures.py sheet "$SHEET" "$ROWS") >/dev/null
CAMPAIGN=$(cd "$STACK_ROOT_DIR" && with_app_env "$PY" deploy/drills/fixtures.py campaign "$CODE")
tasks() { sql "SELECT count(*) FROM ledger_task WHERE campaign_id = $CAMPAIGN"; }
log "sheet of $ROWS rows ($(du -k "$SHEET" | cut -f1) kB), campaign $CAMPAIGN; upload through nginx"

{
  echo "## Worker killed during a $ROWS-row import"
  echo
  verdict=0
  NGINX_PORT=$NGINX_PORT "$PY" deploy/drills/web.py import-until-writing "$STATE" "$SHEET" "$CAMPAIGN" \
    "$KILL_AT" "$TIMEOUT" || verdict=1
  if [ $verdict = 0 ]; then
    worker=$(cat "$STACK/run/worker.pid")
    kill -KILL "$worker"
    kill_at=$(date +%s.%N)
    job=$("$PY" -c "import json,sys; print(json.load(open(sys.argv[1]))['job'])" "$STATE")
    while kill -0 "$worker" 2>/dev/null; do sleep 0.1; done
    since=$("$PY" -c "import json,sys; print(f'{float(sys.argv[2]) - json.load(open(sys.argv[1]))[\"import_at\"]:.1f}')" "$STATE" "$kill_at")
    echo "- kill -9 of the worker (pid $worker) at t = 0, $since s after the import was started; job $job: $(sql "SELECT status FROM reports_importjob WHERE id = $job")"
    rows_killed=$(tasks)
    sleep 1
    log "worker killed; a new one"
    start_worker
    # Within the lost-worker window: the new worker reaps at its next beat once the dead one's
    # last beat is LOST_AFTER old (beats every 10 s), plus its own start.
    NGINX_PORT=$NGINX_PORT "$PY" deploy/drills/web.py wait-failed "$STATE" $((LOST_AFTER + 60)) || verdict=1
    failed_at=$("$PY" -c "import json,sys; print(json.load(open(sys.argv[1])).get('failed_at', 0))" "$STATE")
    rows_failed=$(tasks)
    task_row=$(sql "SELECT status || ' ' || coalesce(exception_class_path, '') FROM django_tasks_database_dbtaskresult
      WHERE id = (SELECT task_id FROM reports_importjob WHERE id = $job)::uuid")
    echo "- job $job FAILED at t = $("$PY" -c "print(f'{$failed_at - $kill_at:.1f}')") s (SHANSHUI_WORKER_LOST_AFTER = $LOST_AFTER s); its task: $task_row; job: $(sql "SELECT status FROM reports_importjob WHERE id = $job")"
    echo "- tasks of the campaign: $rows_killed just after the kill, $rows_failed once failed (expected 0)"
    [ "$rows_killed" = 0 ] && [ "$rows_failed" = 0 ] || verdict=1
    [ "$(sql "SELECT status FROM reports_importjob WHERE id = $job")" = failed ] || verdict=1
    case "$task_row" in FAILED*WorkerLost*) ;; *) verdict=1 ;; esac
    idle=$(sql "SELECT count(*) FROM pg_stat_activity WHERE state LIKE 'idle in transaction%'")
    echo "- sessions left idle in a transaction: $idle"
    NGINX_PORT=$NGINX_PORT "$PY" deploy/drills/web.py import-all "$STATE" "$SHEET" "$CAMPAIGN" "$TIMEOUT" || verdict=1
    rows_after=$(tasks)
    events=$(sql "SELECT count(*) FROM ledger_task t WHERE t.campaign_id = $CAMPAIGN
      AND NOT EXISTS (SELECT 1 FROM ledger_taskunit u WHERE u.task_id = t.id)")
    echo "- tasks of the campaign after the second import: $rows_after (expected $ROWS); without units: $events"
    [ "$rows_after" = "$ROWS" ] && [ "$events" = 0 ] || verdict=1
  fi
  echo "- verdict: $( [ $verdict = 0 ] && echo PASS || echo FAIL )"
} | tee "$OUT/result.md"
grep -q "verdict: PASS" "$OUT/result.md" && failed=0
[ "$failed" = 0 ] || exit 1
