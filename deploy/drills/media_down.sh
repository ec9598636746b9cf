#!/usr/bin/env bash
# Fault drill: the object store (media) stopped and started again while the app serves.
#
# Starts the two-host stack (deploy/e2e/stack.sh) with its S3-compatible store (moto's server,
# made to keep its objects across a restart as a real store's disk does: STACK_S3_PERSIST=1), and
# as a district user (wanzhou), through nginx (deploy/drills/web.py):
#   store up:   adds evidence to one of its tasks and downloads it;
#   store down (moto stopped: connection refused): adding evidence answers 400 with a clear
#               Chinese message and keeps no evidence row; downloading the earlier file is 503
#               with a message and Retry-After; the task list and the task page are 200;
#               /healthz is 503 and names the storage;
#   store back: /healthz 200, the earlier file downloads unchanged, a new file is added.
#
#   deploy/drills/media_down.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${DRILL_OUT:-var/drills/media-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

. deploy/e2e/stack.sh
stack_trap "$OUT"

STACK_S3_PERSIST=1
stack_up
if [ -z "${S3_PORT:-}" ]; then log "no object store in this stack (moto or SHANSHUI_S3_BUCKET missing)"; exit 1; fi

sql() { psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d shanshui -Atc "$1"; }
STATE="$OUT/state.json"
TASK=$(cd "$STACK_ROOT_DIR" && with_app_env "$PY" deploy/drills/fixtures.py evidence-task wanzhou)
evidence() { sql "SELECT count(*) FROM ledger_evidence WHERE task_id = $TASK"; }
web() { NGINX_PORT=$NGINX_PORT "$PY" deploy/drills/web.py media "$1" "$STATE" "$TASK"; }

{
  echo "## Object store (media) down"
  echo
  echo "District user wanzhou, task $TASK, through nginx; moto stopped (connection refused) and started again."
  echo
  verdict=0
  web before || verdict=1
  rows_before=$(evidence)
  stop_object_store
  down_at=$(date +%s.%N)
  log "object store stopped"
  web down || verdict=1
  rows_down=$(evidence)
  echo "- evidence rows of the task: $rows_before before the outage, $rows_down after the refused upload"
  [ "$rows_before" = "$rows_down" ] || verdict=1
  restart_object_store
  up_at=$(date +%s.%N)
  log "object store started again (its recording replayed)"
  web after || verdict=1
  rows_after=$(evidence)
  echo "- evidence rows after the store came back: $rows_after (expected $((rows_down + 1)))"
  [ "$rows_after" = $((rows_down + 1)) ] || verdict=1
  echo "- store down for $("$PY" -c "print(f'{$up_at - $down_at:.1f}')") s"
  errors=$(cat "$STACK"/log/app-*.log | grep -c '"level": *"ERROR"' || true)
  echo "- ERROR lines in the app hosts' logs: $errors"
  echo "- verdict: $( [ $verdict = 0 ] && echo PASS || echo FAIL )"
} | tee "$OUT/result.md"
grep -q "verdict: PASS" "$OUT/result.md" && failed=0
[ "$failed" = 0 ] || exit 1
