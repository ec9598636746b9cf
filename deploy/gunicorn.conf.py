"""gunicorn settings for Shanshui (gunicorn -c deploy/gunicorn.conf.py config.wsgi:application).

Values come from the environment so one file serves every host:

- GUNICORN_BIND (127.0.0.1:8001), GUNICORN_WORKERS (2 × cores), GUNICORN_THREADS (1: sync
  workers; more: gthread workers, one request per thread). Give each process as many database
  connections as it serves requests at once: SHANSHUI_DB_POOL_MAX = GUNICORN_THREADS.

  How many: the pages are CPU-bound in Python (~10–35 ms of CPU each, bench/request_cpu.py) and
  wait on the database and Redis for a fraction of that. A process runs Python on one core at a
  time (the GIL), so threads only help to cover those waits: two per worker do. More requests in
  flight than the cores can run add no throughput — four CPU-bound threads in one worker take
  turns every 5 ms and all four finish late, and a gthread worker takes connections in before it
  has a thread free for them, queueing them behind its own busy threads while another worker
  idles. On a 2-core machine running the whole stack: about 2 × cores request slots in all
  (2 workers × 2 threads per host with two hosts, 4 × 2 with one), not 3 × 4 per host
  (docs/benchmarks.md, "CPU per request").
- GUNICORN_CONTROL_SOCKET: this instance's control socket for gunicornc; unset, there is none.
- PROMETHEUS_MULTIPROC_DIR: a directory of this host only (e.g. /run/shanshui-metrics, on tmpfs)
  where every worker writes its request counters; /metrics adds them up. It is emptied when
  gunicorn starts, and a worker that exits is marked dead so its gauges go (its counts stay).
"""

import multiprocessing
import os
import shutil

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")
workers = int(os.environ.get("GUNICORN_WORKERS", str(2 * multiprocessing.cpu_count())))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# Django is imported once in the master and shared by the workers (faster start, less memory).
# Nothing connects at import: the database pool and the storage clients open in each worker.
preload_app = os.environ.get("GUNICORN_PRELOAD", "true").lower() in ("1", "true", "yes")
graceful_timeout = 30
# Idle keep-alive connections from the proxy stay open longer than the proxy keeps them (nginx:
# keepalive_timeout 30s in the upstream block): when the app closed first, a request the proxy
# sent on the closing connection came back "connection reset", a 502 for a POST (which nginx
# rightly does not retry). gthread workers park idle connections without holding a thread.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "75"))
# A worker is replaced after this many requests (with jitter), so slow leaks never add up.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = max_requests // 10
# The app writes one JSON line per request with its id (shanshui.request); the proxy keeps the
# access log.
accesslog = None
errorlog = "-"
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# gunicorn's control socket (gunicornc: worker status, scaling, reload) is one path per user by
# default ($XDG_RUNTIME_DIR or ~/.gunicorn/gunicorn.ctl), so two instances on one machine took
# each other's. Nothing here uses it: off unless GUNICORN_CONTROL_SOCKET names this instance's
# own path (e.g. /run/shanshui/gunicorn.ctl, readable by its user only).
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket


def on_starting(server):
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        # Files of a previous run would be added to this run's counts.
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory, exist_ok=True)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
