"""Gunicorn's configuration for production: `gunicorn -c config/gunicorn.py config.wsgi`.

Every value can be changed from the environment or .env (docs/deployment.md says how to size
them):

| variable | default | what |
| --- | --- | --- |
| GUNICORN_BIND | 127.0.0.1:8000 | where to listen (0.0.0.0:8000: the proxy is elsewhere) |
| WEB_CONCURRENCY | CPU cores | worker processes |
| GUNICORN_THREADS | 2 | threads per worker process (gthread worker; 1: sync worker) |
| GUNICORN_TIMEOUT | 30 | seconds a request may take before its worker is killed and restarted |
| GUNICORN_GRACEFUL_TIMEOUT | 30 | seconds requests in flight get to finish on a restart or stop |
| GUNICORN_KEEPALIVE | 5 | seconds an idle keep-alive connection from the proxy is kept |
| GUNICORN_MAX_REQUESTS | 0 (never) | restart a worker after this many requests (+ up to 10 %) |
| FORWARDED_ALLOW_IPS | 127.0.0.1,::1 | the proxies whose X-Forwarded-* headers gunicorn believes |
| GUNICORN_ACCESS_LOG | - (stdout) | access log file; empty turns it off |
| GUNICORN_CONTROL_SOCKET | (none) | path of gunicorn's control socket, for `gunicornc` |

Why one process per core with 2 threads: a request spends part of its time waiting for
PostgreSQL, more so when the database is on another machine; while one thread waits, the
other renders. Threads also keep the proxy's connections alive and put up with slow
clients. Measured with `make bench-http` on 2 cores (docs/performance.md), 2 sync workers,
2 x 2 and 2 x 4 threads served every page within the run-to-run noise of each other (the
sync workers with the steadiest 99th percentile under overload), and 5 sync workers were
no faster while taking 2.5 times the memory (about 85 MB a process). Two threads rather
than four keep the database connections down: each thread keeps its own (CONN_MAX_AGE), so
one machine holds up to WEB_CONCURRENCY x GUNICORN_THREADS of them.
"""

import os
from pathlib import Path

import environ

# The settings read .env in each worker; read it here too, so GUNICORN_* set there apply.
DOTENV = Path(__file__).resolve().parent.parent / ".env"
if DOTENV.is_file():
    environ.Env.read_env(DOTENV, overwrite=False)


def _int(name, default):
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
# sched_getaffinity: the cores this process may use (a container's CPU set), not the host's.
workers = _int("WEB_CONCURRENCY", len(os.sched_getaffinity(0)))
threads = _int("GUNICORN_THREADS", 2)
# GUNICORN_THREADS=1 gives the classic sync worker: one request at a time per process.
worker_class = "gthread" if threads > 1 else "sync"
# A page takes milliseconds and the app makes no network call in a request (SMS go out from
# `manage.py db_worker`), so a request still running after 30 s is stuck: its worker is
# killed and replaced.
timeout = _int("GUNICORN_TIMEOUT", 30)
# On SIGTERM (a stop) or SIGHUP (a reload), requests in flight get this long to finish.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Connections from the proxy may be reused; keep this below the proxy's own idle timeout
# for upstream connections (nginx's keepalive_timeout in its upstream block is 60 s).
keepalive = _int("GUNICORN_KEEPALIVE", 5)
max_requests = _int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = max_requests // 10

# X-Forwarded-Proto and its kind are believed only from these addresses (gunicorn's own
# default; comma-separated addresses or networks, "*" for any). Django decides https on its
# own too: BEHIND_TLS_PROXY makes it read X-Forwarded-Proto whoever sent it, so the app
# port must be reachable only through the proxy (docs/deployment.md).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Logs go to the process's stdout (access) and stderr (errors), for systemd or the
# container runtime to collect. The access line ends with the time taken, in ms.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# Gunicorn 25+ opens a control socket at one fixed path per user: two servers on one
# machine (or in one test) would take it from each other. Off unless a path is given.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket

# The workers' heartbeat files: in memory, not on a disk that may stall (or be read-only), as
# gunicorn's docs advise. Gunicorn creates them itself, unlinked at once.
if os.path.isdir("/dev/shm"):  # noqa: S108
    worker_tmp_dir = "/dev/shm"  # noqa: S108

# Not preloaded: a SIGHUP then starts workers on the new code (a reload without downtime),
# and nothing (a database connection above all) is shared across the fork.
preload_app = False
proc_name = "phonebook"


def child_exit(server, worker):
    """With PROMETHEUS_MULTIPROC_DIR set (monitoring), drop the live gauges of a worker that
    has exited; prometheus_client keeps its other files and adds them up at each scrape.
    The directory must start empty each time gunicorn starts (a tmpfs, or emptied first)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
