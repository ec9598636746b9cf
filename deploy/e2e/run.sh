#!/usr/bin/env bash
# make e2e: the two-host stack (deploy/e2e/stack.sh) up from one command, the walk through the
# proxy (deploy/e2e/walk.py), then everything torn down. About two minutes.
set -euo pipefail
cd "$(dirname "$0")/../.."
. deploy/e2e/stack.sh

stack_trap

started=$(date +%s)
# Tight limits so the walk reaches them in a few requests.
export E2E_TRACK_LIMIT=6 E2E_LOCKOUT_ATTEMPTS=5
STACK_APP_ENV="SHANSHUI_RATE_TRACK=${E2E_TRACK_LIMIT}/600 LOGIN_LOCKOUT_ATTEMPTS=${E2E_LOCKOUT_ATTEMPTS} ${STACK_APP_ENV:-}"
stack_up
log "stack up in $(( $(date +%s) - started )) s"
export STACK_POOL_SIZE
.venv/bin/python deploy/e2e/walk.py
if grep -qi "too many clients\|remaining connection slots" "$STACK/log/postgresql.log"; then
  log "PostgreSQL refused connections (too many clients)"
  exit 1
fi
if grep -q '"level": "ERROR"' "$STACK"/log/app-*.log; then
  log "the app logged errors:"
  grep -h '"level": "ERROR"' "$STACK"/log/app-*.log | head -n 5 >&2
  exit 1
fi
failed=0
log "e2e passed in $(( $(date +%s) - started )) s"
