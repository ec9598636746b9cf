# Shanshui's two-host stack on one machine, for the end-to-end walk, the load test and the drills.
# Source it, then `stack_trap` (or `trap stack_down EXIT`) and `stack_up`. Everything runs as the current user (the
# database server and PgBouncer as `postgres` when that user is root, since both refuse root) in
# a fresh temporary directory with its own configuration files, on free loopback ports:
#
#   nginx :NGINX_PORT (balanced) ─┬─ gunicorn host A :APP_A_PORT ─┐
#         :NGINX_A_PORT (→ A only) │                                ├─ PgBouncer :BOUNCER_PORT ─ PostgreSQL :PG_PORT
#         :NGINX_B_PORT (→ B only) └─ gunicorn host B :APP_B_PORT ─┘   (its own cluster, initdb'd here)
#                                        └── Redis :REDIS_PORT (cache, rate limits), media, worker
#
# Nothing outside the directory is touched (no service files, no system PostgreSQL).
# Knobs (environment): STACK_WORKERS / STACK_THREADS per app host (2 / 2), STACK_POOL_SIZE
# (PgBouncer's server connections, 20), STACK_KEEP=1 keeps the directory after stack_down,
# STACK_APP_ENV: extra "NAME=value" words for the app processes (e.g. rate limits for the load
# test), STACK_S3_PERSIST=1 keeps the object store's objects across stop_object_store /
# restart_object_store (the media drill). Each app host has its own gunicorn control socket
# ($STACK/run/app-a.ctl, app-b.ctl). Optional parts are started when the project has them: a task worker when
# `manage.py run_worker` (or django-tasks' db_worker) exists, an S3-compatible object store (moto) when the settings read
# SHANSHUI_S3_BUCKET and moto is installed.

STACK_ROOT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PY="$STACK_ROOT_DIR/.venv/bin/python"

log() { printf '[stack %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

free_port() {
  "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Wait until a TCP port accepts connections; fail with the component's log otherwise.
wait_port() {
  local port=$1 what=$2 logfile=${3:-} tries=${4:-60}
  for _ in $(seq 1 "$tries"); do
    if "$PY" -c "import socket,sys; s=socket.socket(); s.settimeout(0.5); sys.exit(s.connect_ex(('127.0.0.1', $port)))" 2>/dev/null; then
      return 0
    fi
    sleep 0.5
  done
  log "$what did not open port $port"
  [ -n "$logfile" ] && [ -f "$logfile" ] && tail -n 40 "$logfile" >&2
  return 1
}

# Run as the database's owner: PostgreSQL and PgBouncer refuse to run as root.
as_db() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

need_packages() {
  local need=()
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx)
  command -v pgbouncer >/dev/null || [ -x /usr/sbin/pgbouncer ] || need+=(pgbouncer)
  command -v redis-server >/dev/null || need+=(redis-server)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
  if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then log "missing: ${need[*]} (install them, e.g. apt-get install ${need[*]})"; return 1; fi
    log "installing ${need[*]}"
    apt-get update -qq
    # policy-rc.d or not, the packages' own services are not used here.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
  export PATH="$PATH:/usr/sbin"
}

stack_logs() {
  local f
  for f in "$STACK"/log/*.log; do
    [ -f "$f" ] || continue
    printf '\n----- %s (last 30 lines) -----\n' "$(basename "$f")" >&2
    tail -n 30 "$f" >&2
  done
}

# The app's environment, for every app process and manage.py command.
app_env() {
  cat <<EOF
DEBUG=false
SECRET_KEY=$STACK_SECRET
ALLOWED_HOSTS=127.0.0.1,localhost
CACHE_URL=redis://127.0.0.1:$REDIS_PORT/0
DATABASE_URL=postgres://postgres@127.0.0.1:$BOUNCER_PORT/shanshui
SHANSHUI_DB_PGBOUNCER=true
SHANSHUI_DB_POOL_MIN=1
SHANSHUI_DB_POOL_MAX=$STACK_THREADS
TRUSTED_PROXIES=1
SESSION_COOKIE_SECURE=false
CSRF_COOKIE_SECURE=false
SHANSHUI_VAR_DIR=$STACK/var
MEDIA_ROOT=$STACK/media
STATIC_ROOT=$STACK/static
LOG_FORMAT=json
SHANSHUI_SITE_URL=http://127.0.0.1:$NGINX_PORT
EOF
  [ -n "${STACK_S3_ENV:-}" ] && printf '%s\n' $STACK_S3_ENV
  [ -n "${STACK_APP_ENV:-}" ] && printf '%s\n' $STACK_APP_ENV
  return 0
}

# Run a command with the app's environment (migrations go straight to PostgreSQL).
with_app_env() {
  env $(app_env) "$@"
}

start_postgres() {
  local bin
  bin=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")
  PG_BIN=$bin
  mkdir -p "$STACK/pg" "$STACK/run"
  [ "$(id -u)" = 0 ] && chown postgres "$STACK/pg" "$STACK/run" "$STACK/log"
  as_db "$bin/initdb" -D "$STACK/pg/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$STACK/log/initdb.log" 2>&1
  # Production-like limits (100 connections), durable writes; only the commit wait is relaxed.
  as_db "$bin/pg_ctl" -D "$STACK/pg/data" -l "$STACK/log/postgresql.log" -w -t 60 start -o \
    "-p $PG_PORT -k $STACK/run -c listen_addresses=127.0.0.1 -c max_connections=100 -c shared_buffers=256MB -c synchronous_commit=off -c log_min_messages=warning" \
    >/dev/null
  as_db "$bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres shanshui
}

start_pgbouncer() {
  sed -e "s|@DB_NAME@|shanshui|g" -e "s|@PG_HOST@|127.0.0.1|" -e "s|@PG_PORT@|$PG_PORT|" \
      -e "s|@LISTEN_ADDR@|127.0.0.1|" -e "s|@LISTEN_PORT@|$BOUNCER_PORT|" \
      -e "s|@POOL_SIZE@|$STACK_POOL_SIZE|" -e "s|@MAX_DB_CONNECTIONS@|$((STACK_POOL_SIZE + 10))|" \
      -e "s|@AUTH_TYPE@|trust|" -e "s|@AUTH_FILE@|$STACK/pgbouncer/userlist.txt|" \
      -e "s|@LOG_FILE@|$STACK/log/pgbouncer.log|" -e "s|@PID_FILE@|$STACK/run/pgbouncer.pid|" \
      -e "s|@ADMIN_USER@|postgres|" \
      "$STACK_ROOT_DIR/deploy/pgbouncer/pgbouncer.ini" >"$STACK/pgbouncer/pgbouncer.ini"
  echo '"postgres" ""' >"$STACK/pgbouncer/userlist.txt"
  [ "$(id -u)" = 0 ] && chown -R postgres "$STACK/pgbouncer"
  as_db pgbouncer -d "$STACK/pgbouncer/pgbouncer.ini" >"$STACK/run/pgbouncer-start.out" 2>&1 \
    || { cat "$STACK/run/pgbouncer-start.out" >&2; return 1; }
  wait_port "$BOUNCER_PORT" PgBouncer "$STACK/log/pgbouncer.log"
}

start_redis() {
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
    --dir "$STACK/run" --pidfile "$STACK/run/redis.pid" --logfile "$STACK/log/redis.log"
  wait_port "$REDIS_PORT" Redis "$STACK/log/redis.log"
}

# An S3-compatible store when the project's settings read one (the storage part of the project).
start_object_store() {
  STACK_S3_ENV=""
  if ! grep -q "SHANSHUI_S3_BUCKET" "$STACK_ROOT_DIR/config/settings.py" 2>/dev/null; then return 0; fi
  if [ ! -x "$STACK_ROOT_DIR/.venv/bin/moto_server" ]; then log "no moto_server: media on the shared directory"; return 0; fi
  S3_PORT=$(free_port)
  run_moto
  STACK_S3_ENV="SHANSHUI_S3_BUCKET=shanshui-e2e SHANSHUI_S3_ENDPOINT_URL=http://127.0.0.1:$S3_PORT SHANSHUI_S3_ACCESS_KEY_ID=e2e SHANSHUI_S3_SECRET_ACCESS_KEY=e2e-secret SHANSHUI_S3_REGION=us-east-1"
  "$PY" - "$S3_PORT" <<'PYEOF'
import sys, urllib.request
req = urllib.request.Request(f"http://127.0.0.1:{sys.argv[1]}/shanshui-e2e", method="PUT")
urllib.request.urlopen(req, timeout=10).read()
PYEOF
  log "object store (moto) on :$S3_PORT, bucket shanshui-e2e"
}

# moto keeps objects in memory: with STACK_S3_PERSIST=1 it records every request it is sent
# (its recorder), so that after a restart (restart_object_store) the bucket holds what it held,
# as a real store's disk would.
run_moto() {
  local persist=()
  [ "${STACK_S3_PERSIST:-0}" = 1 ] && persist=(MOTO_ENABLE_RECORDING=True "MOTO_RECORDER_FILEPATH=$STACK/run/moto-recording.jsonl")
  env "${persist[@]}" "$STACK_ROOT_DIR/.venv/bin/moto_server" -H 127.0.0.1 -p "$S3_PORT" >>"$STACK/log/moto.log" 2>&1 &
  echo $! >"$STACK/run/moto.pid"
  wait_port "$S3_PORT" "object store (moto)" "$STACK/log/moto.log"
}

# The object store stopped (the app sees "connection refused") and started again on its port.
stop_object_store() {
  local pid
  pid=$(cat "$STACK/run/moto.pid")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.25; done
  kill -KILL "$pid" 2>/dev/null || true
}

restart_object_store() {
  run_moto
  if [ "${STACK_S3_PERSIST:-0}" = 1 ]; then
    "$PY" - "$S3_PORT" <<'PYEOF'
import sys, urllib.request
req = urllib.request.Request(
    f"http://127.0.0.1:{sys.argv[1]}/moto-api/recorder/replay-recording", data=b"", method="POST"
)
urllib.request.urlopen(req, timeout=120).read()
PYEOF
  fi
}

prepare_database() {
  log "migrate, demo data, collectstatic"
  # Straight to PostgreSQL for the schema (PgBouncer is for the app's short transactions).
  (cd "$STACK_ROOT_DIR" && env $(app_env) DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/shanshui" \
      SHANSHUI_DB_PGBOUNCER=false "$PY" manage.py migrate --no-input) >"$STACK/log/migrate.log" 2>&1 \
    || { log "migrate failed"; tail -n 40 "$STACK/log/migrate.log" >&2; return 1; }
  log "schema ready; demo data"
  (cd "$STACK_ROOT_DIR" && with_app_env "$PY" manage.py load_demo) >"$STACK/log/demo.log" 2>&1 \
    || { log "load_demo failed"; tail -n 40 "$STACK/log/demo.log" >&2; return 1; }
  log "demo data loaded; collectstatic"
  (cd "$STACK_ROOT_DIR" && with_app_env "$PY" manage.py collectstatic --no-input) >"$STACK/log/collectstatic.log" 2>&1 \
    || { log "collectstatic failed"; tail -n 40 "$STACK/log/collectstatic.log" >&2; return 1; }
}

start_app_host() {
  local name=$1 port=$2
  mkdir -p "$STACK/metrics-$name"
  (cd "$STACK_ROOT_DIR" && exec env $(app_env) PROMETHEUS_MULTIPROC_DIR="$STACK/metrics-$name" \
      GUNICORN_BIND="127.0.0.1:$port" GUNICORN_WORKERS="$STACK_WORKERS" GUNICORN_THREADS="$STACK_THREADS" \
      GUNICORN_CONTROL_SOCKET="$STACK/run/app-$name.ctl" \
      "$STACK_ROOT_DIR/.venv/bin/gunicorn" -c deploy/gunicorn.conf.py --pid "$STACK/run/app-$name.pid" \
      config.wsgi:application) >"$STACK/log/app-$name.log" 2>&1 &
  echo $! >"$STACK/run/app-$name.launcher.pid"
}

# The background worker, when the project has one: the project's own command (run_worker: the
# database backend's worker plus heartbeats and the schedule), or django-tasks' db_worker.
start_worker() {
  local command=""
  if [ -f "$STACK_ROOT_DIR/shanshui/jobs/management/commands/run_worker.py" ]; then
    command=run_worker
  elif grep -q "django_tasks_db" "$STACK_ROOT_DIR/config/settings.py"; then
    command=db_worker
  fi
  if [ -z "$command" ]; then
    log "no worker command: background work runs in the app processes"
    return 0
  fi
  (cd "$STACK_ROOT_DIR" && exec env $(app_env) "$PY" manage.py "$command") >"$STACK/log/worker.log" 2>&1 &
  echo $! >"$STACK/run/worker.pid"
  log "worker started (manage.py $command)"
}

start_nginx() {
  mkdir -p "$STACK/nginx/temp"
  sed -e "s|@STATIC_PARENT@|$STACK|" "$STACK_ROOT_DIR/deploy/nginx/shanshui-proxy.conf" \
    >"$STACK/nginx/shanshui-proxy.conf"
  local user_line=""
  [ "$(id -u)" = 0 ] && user_line="user nobody nogroup;"
  cat >"$STACK/nginx/nginx.conf" <<EOF
# Generated by deploy/e2e/stack.sh: the two-host test's proxy.
$user_line
worker_processes 1;
pid $STACK/run/nginx.pid;
error_log $STACK/log/nginx-error.log warn;
events { worker_connections 2048; }
http {
    include /etc/nginx/mime.types;
    access_log $STACK/log/nginx-access.log;
    client_body_temp_path $STACK/nginx/temp/body;
    proxy_temp_path $STACK/nginx/temp/proxy;
    fastcgi_temp_path $STACK/nginx/temp/fastcgi;
    uwsgi_temp_path $STACK/nginx/temp/uwsgi;
    scgi_temp_path $STACK/nginx/temp/scgi;
    # Idle connections to the app hosts close here first (30 s; gunicorn keeps them 75 s).
    upstream shanshui { server 127.0.0.1:$APP_A_PORT; server 127.0.0.1:$APP_B_PORT; keepalive 16; keepalive_timeout 30s; }
    upstream host_a { server 127.0.0.1:$APP_A_PORT; keepalive 8; keepalive_timeout 30s; }
    upstream host_b { server 127.0.0.1:$APP_B_PORT; keepalive 8; keepalive_timeout 30s; }
    server { listen 127.0.0.1:$NGINX_PORT;   set \$shanshui_upstream shanshui; include $STACK/nginx/shanshui-proxy.conf; }
    server { listen 127.0.0.1:$NGINX_A_PORT; set \$shanshui_upstream host_a;   include $STACK/nginx/shanshui-proxy.conf; }
    server { listen 127.0.0.1:$NGINX_B_PORT; set \$shanshui_upstream host_b;   include $STACK/nginx/shanshui-proxy.conf; }
}
EOF
  nginx -p "$STACK/nginx" -c "$STACK/nginx/nginx.conf" -e "$STACK/log/nginx-error.log" -t >"$STACK/log/nginx-test.log" 2>&1 \
    || { cat "$STACK/log/nginx-test.log" >&2; return 1; }
  nginx -p "$STACK/nginx" -c "$STACK/nginx/nginx.conf" -e "$STACK/log/nginx-error.log"
  wait_port "$NGINX_PORT" nginx "$STACK/log/nginx-error.log"
}

wait_healthy() {
  local url=$1 what=$2
  for _ in $(seq 1 90); do
    if "$PY" -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('$url', timeout=60).status == 200 else 1)" 2>/dev/null; then
      return 0
    fi
    sleep 1
  done
  log "$what is not healthy at $url"
  "$PY" -c "import urllib.request; print(urllib.request.urlopen('$url', timeout=5).read())" >&2 || true
  return 1
}

stack_up() {
  need_packages
  STACK=$(mktemp -d -t shanshui-stack.XXXXXX)
  chmod 755 "$STACK"
  mkdir -p "$STACK/log" "$STACK/run" "$STACK/pgbouncer" "$STACK/media" "$STACK/static" "$STACK/var"
  STACK_WORKERS=${STACK_WORKERS:-2}
  STACK_THREADS=${STACK_THREADS:-2}
  STACK_POOL_SIZE=${STACK_POOL_SIZE:-20}
  STACK_SECRET=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(64))')
  PG_PORT=$(free_port); BOUNCER_PORT=$(free_port); REDIS_PORT=$(free_port)
  APP_A_PORT=$(free_port); APP_B_PORT=$(free_port)
  NGINX_PORT=$(free_port); NGINX_A_PORT=$(free_port); NGINX_B_PORT=$(free_port)
  export STACK PG_PORT BOUNCER_PORT REDIS_PORT APP_A_PORT APP_B_PORT NGINX_PORT NGINX_A_PORT NGINX_B_PORT
  log "directory $STACK"
  start_postgres
  log "PostgreSQL (own cluster) on :$PG_PORT"
  start_pgbouncer
  log "PgBouncer (transaction pooling, $STACK_POOL_SIZE server connections) on :$BOUNCER_PORT"
  start_redis
  log "Redis on :$REDIS_PORT"
  start_object_store
  prepare_database
  start_app_host a "$APP_A_PORT"
  start_app_host b "$APP_B_PORT"
  wait_port "$APP_A_PORT" "app host A" "$STACK/log/app-a.log"
  wait_port "$APP_B_PORT" "app host B" "$STACK/log/app-b.log"
  log "app hosts A :$APP_A_PORT and B :$APP_B_PORT ($STACK_WORKERS workers × $STACK_THREADS threads each)"
  start_worker
  start_nginx
  wait_healthy "http://127.0.0.1:$NGINX_A_PORT/healthz" "host A through nginx"
  wait_healthy "http://127.0.0.1:$NGINX_B_PORT/healthz" "host B through nginx"
  log "nginx on :$NGINX_PORT (balanced), :$NGINX_A_PORT (→ A), :$NGINX_B_PORT (→ B)"
}

_kill_pidfile() {
  local file=$1 sig=${2:-TERM}
  [ -f "$file" ] || return 0
  local pid
  pid=$(cat "$file" 2>/dev/null) || return 0
  [ -n "$pid" ] && kill -"$sig" "$pid" 2>/dev/null || true
}

# For a script that brings the stack up and tears it down on exit: `stack_trap [OUT]`, then set
# failed=0 once it has passed. On exit the script's own `stack_on_exit` runs when it defines one;
# a failed run shows the components' logs; they are copied to OUT when given; then stack_down.
stack_trap() {
  STACK_OUT=${1:-}
  failed=1
  trap _stack_finish EXIT
  trap 'exit 130' INT TERM
}

_stack_finish() {
  if declare -F stack_on_exit >/dev/null; then stack_on_exit || true; fi
  if [ "$failed" = 1 ] && [ -n "${STACK:-}" ]; then
    log "FAILED; the components' logs follow"
    stack_logs
  fi
  if [ -n "${STACK_OUT:-}" ] && [ -n "${STACK:-}" ] && [ -d "$STACK/log" ]; then
    cp "$STACK"/log/*.log "$STACK_OUT/" 2>/dev/null || true
  fi
  stack_down
}

stack_down() {
  [ -n "${STACK:-}" ] && [ -d "$STACK" ] || return 0
  log "tearing down"
  [ -f "$STACK/run/nginx.pid" ] && nginx -p "$STACK/nginx" -c "$STACK/nginx/nginx.conf" -e "$STACK/log/nginx-error.log" -s quit 2>/dev/null || true
  _kill_pidfile "$STACK/run/worker.pid"
  _kill_pidfile "$STACK/run/app-a.pid"
  _kill_pidfile "$STACK/run/app-b.pid"
  _kill_pidfile "$STACK/run/moto.pid"
  for _ in $(seq 1 20); do
    local alive=0 f
    for f in "$STACK"/run/app-a.pid "$STACK"/run/app-b.pid "$STACK"/run/worker.pid; do
      [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && alive=1
    done
    [ $alive = 0 ] && break
    sleep 0.5
  done
  _kill_pidfile "$STACK/run/pgbouncer.pid"
  _kill_pidfile "$STACK/run/redis.pid"
  if [ -n "${PG_BIN:-}" ] && [ -f "$STACK/pg/data/postmaster.pid" ]; then
    as_db "$PG_BIN/pg_ctl" -D "$STACK/pg/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  if [ "${STACK_KEEP:-0}" = 1 ]; then
    log "kept $STACK"
  else
    rm -rf "$STACK"
  fi
}
