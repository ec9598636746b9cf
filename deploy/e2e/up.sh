#!/usr/bin/env bash
# The two-host stack (deploy/e2e/stack.sh) up until Ctrl+C, for a look by hand: its ports are
# printed and written to $STACK/ports.env (source it to run walk.py, locust or a drill against it).
set -euo pipefail
cd "$(dirname "$0")/../.."
. deploy/e2e/stack.sh
trap stack_down EXIT
trap 'exit 130' INT TERM
stack_up
env | grep -E '^(STACK|PG_PORT|BOUNCER_PORT|REDIS_PORT|APP_A_PORT|APP_B_PORT|NGINX_PORT|NGINX_A_PORT|NGINX_B_PORT)=' \
  | sed 's/^/export /' >"$STACK/ports.env"
log "up: http://127.0.0.1:$NGINX_PORT/ (A only :$NGINX_A_PORT, B only :$NGINX_B_PORT); ports in $STACK/ports.env"
log "Ctrl+C tears it down"
# In the background and waited for, so Ctrl+C reaches the trap at once.
while true; do sleep 3600 & wait $!; done
