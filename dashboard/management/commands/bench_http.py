"""Load-test the busiest pages over HTTP: gunicorn as production runs it, driven by wrk.

    make bench-http                          (installs wrk; PostgreSQL at 127.0.0.1 by default)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python manage.py bench_http --duration 10 --connections 50

1. Creates a throwaway PostgreSQL database (named bench_http_<pid>, next to DATABASE_URL's)
   and seeds an account with 10 numbers (5 pending) and 10,000 test messages, and an account
   with 1 number.
2. Counts the SQL queries one request to each endpoint makes for each account (Django's test
   client, in this process).
3. Starts gunicorn with config/gunicorn.py (DEBUG off, static files collected, the access
   log written as in production) and dashboard/management/bench_urls.py: the site's URLs
   plus a floor, a bare view with no database query.
4. For each endpoint, runs wrk against the floor, then against the endpoint, `--duration`
   seconds each with `--connections` connections, signed in as the 10-number account.
   Prints requests/s, median and 99th-percentile latency, answers other than 2xx, and the
   endpoint's throughput as a share of the floor's just measured.

wrk runs on the same machine, so it takes CPU from the server: the floor measures that
too, which is why each endpoint is given as a share of it. Figures: docs/performance.md.
"""

import json
import os
import platform
import resource
import runpy
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import warnings
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from unittest import mock
from urllib.parse import urlencode, urlsplit, urlunsplit

import django
import gunicorn
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone
from twilio.request_validator import RequestValidator

from phones.models import PhoneNumber
from sms.models import Message, Status

from .benchmark import seed

BASE_DIR = Path(settings.BASE_DIR)
AUTH_TOKEN = "bench-http-auth-token"
PUBLIC_BASE_URL = "https://bench.example.test"
FLOOR_PATH = "/bench/floor/"


@dataclass
class Endpoint:
    key: str
    name: str
    path: str = ""
    method: str = "GET"
    headers: dict = field(default_factory=dict)
    body: str = ""


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
        parser.add_argument("--connections", type=int, default=50)
        parser.add_argument("--wrk-threads", type=int, default=2)
        parser.add_argument("--warmup", type=int, default=2, help="seconds per endpoint")
        parser.add_argument("--messages", type=int, default=10_000)
        parser.add_argument("--workers", type=int, help="WEB_CONCURRENCY for gunicorn")
        parser.add_argument("--threads", type=int, help="GUNICORN_THREADS for gunicorn")
        parser.add_argument(
            "--only", default="", help="comma-separated endpoint keys (phones,history,...)"
        )

    def handle(self, *args, **options):
        # The in-process client runs WhiteNoise on STATIC_ROOT, which only the server needs.
        warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
        if connection.vendor != "postgresql":
            raise CommandError(
                "bench_http needs PostgreSQL: set DATABASE_URL=postgres://… (make bench-http "
                "defaults to postgres://postgres@127.0.0.1:5432/postgres)."
            )
        wrk = shutil.which("wrk")
        if not wrk:
            raise CommandError("wrk is not installed: `make bench-http` installs it (apt).")
        secret_key = secrets.token_urlsafe(50)
        test_settings = connection.settings_dict.setdefault("TEST", {})
        test_settings["NAME"] = f"bench_http_{os.getpid()}"
        self.stdout.write(f"Creating database {test_settings['NAME']} and seeding it…")
        test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        workdir = tempfile.TemporaryDirectory(prefix="bench_http_")
        server = None
        try:
            with override_settings(
                DEBUG=False,
                ALLOWED_HOSTS=["testserver"],
                SECURE_SSL_REDIRECT=False,
                SECRET_KEY=secret_key,
                PUBLIC_BASE_URL=PUBLIC_BASE_URL,
                TWILIO_AUTH_TOKEN=AUTH_TOKEN,
                SMS_SENDER="sms.senders.locmem.LocmemSender",
                PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
                EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            ):
                accounts = seed_accounts(options["messages"])
                with connection.cursor() as cursor:
                    # Planner statistics and the visibility map (index-only scans), as
                    # autovacuum keeps them on a live database: without them the first runs
                    # could use other plans than the later ones.
                    cursor.execute("VACUUM ANALYZE")
                queries = {
                    label: count_queries(endpoints_for(account), account["cookie"])
                    for label, account in accounts.items()
                }
            endpoints = endpoints_for(accounts["10 numbers"])
            if options["only"]:
                keys = options["only"].split(",")
                endpoints = [endpoint for endpoint in endpoints if endpoint.key in keys]
            env = server_env(options, secret_key, test_db, Path(workdir.name))
            self.stdout.write("Collecting static files…")
            run_manage(["collectstatic", "--no-input", "-v0"], env)
            port = free_port()
            env["GUNICORN_BIND"] = f"127.0.0.1:{port}"
            server = start_gunicorn(env, Path(workdir.name) / "gunicorn.log")
            base = f"http://127.0.0.1:{port}"
            wait_until_up(server, base + FLOOR_PATH, Path(workdir.name) / "gunicorn.log")
            cookie = accounts["10 numbers"]["cookie"]
            floor = Endpoint("floor", "Floor (no database)", FLOOR_PATH)
            for endpoint in [floor, *endpoints]:
                preflight(base, endpoint, cookie, Path(workdir.name) / "gunicorn.log")
            self.stdout.write(self.describe(options, *gunicorn_shape(env)))
            meter = CpuMeter(server.pid, local_database=is_local(env["DATABASE_URL"]))
            runner = Wrk(wrk, base, cookie, Path(workdir.name), options, meter)
            if options["warmup"]:
                self.stdout.write("Warming up…")
                for endpoint in [floor, *endpoints]:
                    runner.run(endpoint, options["warmup"])
            results = []
            for endpoint in endpoints:
                floor_result = runner.run(floor, options["duration"])
                results.append((endpoint, runner.run(endpoint, options["duration"]), floor_result))
            self.report(results, queries, accounts, server)
        finally:
            if server is not None:
                stop(server)
            connection.creation.destroy_test_db(test_db, verbosity=0)
            workdir.cleanup()

    def report(self, results, queries, accounts, server):
        write = self.stdout.write
        write("\nThroughput and latency seen by wrk:\n")
        write("| endpoint | req/s | p50 ms | p99 ms | non-2xx | floor req/s | share of floor |")
        write("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for endpoint, result, floor in results:
            write(
                f"| {endpoint.name} | {result.rps:.0f} | {result.p50_ms:.0f} | "
                f"{result.p99_ms:.0f} | {result.failures} | {floor.rps:.0f} | "
                f"{result.share_of(floor)} |"
            )
        floors = [floor for _, _, floor in results]
        if floors:
            write(
                f"| Floor (no database), mean of {len(floors)} runs | "
                f"{mean(f.rps for f in floors):.0f} | {mean(f.p50_ms for f in floors):.0f} | "
                f"{mean(f.p99_ms for f in floors):.0f} | {sum(f.failures for f in floors)} | | |"
            )
        write(f"\nLoad average after the runs: {os.getloadavg()[0]:.2f}.")
        if memory := worker_memory(server.pid):
            sizes = ", ".join(f"{mb:.0f} MB" for mb in memory)
            write(f"Memory of each gunicorn worker after the runs: {sizes} (RSS).")
        write(
            "\nCost of one request: CPU time of the gunicorn workers and of the PostgreSQL "
            "backends\nduring the run, per request wrk completed (wrk's own CPU left out), and "
            "what one core\nwould serve at that cost; the CPU the rest of the machine used "
            "meanwhile (others' work,\nsteal), in cores: over 0.2, that run was disturbed; SQL "
            "queries counted with Django's test\nclient, after one warm-up.\n"
        )
        labels = list(queries)
        write(
            "| endpoint | app CPU ms | PostgreSQL CPU ms | req/s per core | others' CPU, cores | "
            + " | ".join(f"queries, {label}" for label in labels)
            + " |"
        )
        write("| --- | ---: | ---: | ---: | ---: |" + " ---: |" * len(labels))
        for endpoint, result, _ in results:
            counts = " | ".join(str(queries[label][endpoint.key]) for label in labels)
            write(f"| {endpoint.name} | {result.cost_columns()} | {counts} |")
        if floors:
            app = mean(f.app_cpu_ms for f in floors)
            db = mean(f.db_cpu_ms or 0 for f in floors)
            others = mean(f.others_cores for f in floors)
            write(
                f"| Floor (no database), mean | {app:.1f} | {db:.1f} | "
                f"{1000 / (app + db):.0f} | {others:.2f} |" + " 0 |" * len(labels)
            )

    def describe(self, options, workers, threads, worker_class, keepalive):
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            pg_version = cursor.fetchone()[0].split()[0]
        return (
            f"\n{len(os.sched_getaffinity(0))} cores ({platform.machine()}), "
            f"Python {platform.python_version()}, Django {django.get_version()}, "
            f"gunicorn {gunicorn.__version__} with config/gunicorn.py: {workers} workers x "
            f"{threads} threads ({worker_class}, keep-alive {keepalive} s), DEBUG off; "
            f"PostgreSQL {pg_version} at "
            f"{connection.settings_dict['HOST'] or 'local socket'}.\n"
            f"wrk: {options['wrk_threads']} threads, {options['connections']} connections, "
            f"{options['duration']} s per run, floor and endpoint alternately; signed in as the "
            f"account with 10 numbers (5 pending) and {options['messages']:,} test messages.\n"
            f"Load average before the runs: {os.getloadavg()[0]:.2f} (anything else running "
            "on the machine lowers every figure)."
        )


# --- Data ---------------------------------------------------------------------------------


def seed_accounts(messages):
    """{"1 number": account, "10 numbers": account}; an account is a dict of the user, its
    session cookie, a message still in flight (polled) and one for the webhook."""
    big, _ = seed(10, messages)  # 10 numbers, 5 of them pending; `messages` test messages
    small = get_user_model().objects.create_user("bench-small", "small@example.com", "x")
    # Pending, like half the big account's: the phone page then reads the code limits for
    # both, and its query counts compare like with like (tests were sent while verified).
    phone = PhoneNumber.objects.create(user=small, number="+14155550100")
    now = timezone.now()
    Message.objects.bulk_create(
        Message(
            user=small,
            purpose=Message.Purpose.TEST,
            to_number=phone.number,
            body=f"Small account message {n}",
            encoding="GSM-7",
            segments=1,
            status=Status.DELIVERED,
            twilio_sid=f"SM{'f' * 24}{n:08x}",
            created_at=now - timedelta(hours=n),
            delivered_at=now - timedelta(hours=n) + timedelta(seconds=3),
        )
        for n in range(20)
    )
    accounts = {}
    for label, user, tag in [("1 number", small, "a"), ("10 numbers", big, "b")]:
        number = user.phone_numbers.first().number
        in_flight = [
            Message.objects.create(
                user=user,
                purpose=Message.Purpose.TEST,
                to_number=number,
                body=f"In flight {kind}",
                encoding="GSM-7",
                segments=1,
                status=Status.SENT,
                twilio_sid=f"SM{tag * 24}{index:08x}",
            )
            for index, kind in enumerate(["polled", "reported"])
        ]
        client = Client()
        client.force_login(user)
        accounts[label] = {
            "user": user,
            "cookie": f"{settings.SESSION_COOKIE_NAME}="
            f"{client.cookies[settings.SESSION_COOKIE_NAME].value}",
            "polled": in_flight[0],
            "reported": in_flight[1],
        }
    return accounts


def endpoints_for(account):
    htmx = {"HX-Request": "true"}
    webhook = reverse("sms:twilio_status")
    fields = {"MessageSid": account["reported"].twilio_sid, "MessageStatus": "sent"}
    signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC_BASE_URL + webhook, fields)
    return [
        Endpoint("phones", "Phone-management page", reverse("phones:manage")),
        Endpoint("history", "SMS history, first page", reverse("smstest:history")),
        Endpoint("dashboard", "Dashboard", reverse("dashboard:home")),
        Endpoint(
            "poll",
            "Status poll, nothing new (HTMX)",
            # As the card asks: with the version it shows, as almost every poll finds it.
            reverse("smstest:message", args=[account["polled"].pk])
            + f"?seen={account['polled'].poll_version}",
            headers=htmx,
        ),
        Endpoint("widget", "Phone widget (HTMX)", reverse("dashboard:phone_widget"), headers=htmx),
        Endpoint(
            "webhook",
            "Status webhook (signed POST)",
            webhook,
            method="POST",
            headers={
                "X-Twilio-Signature": signature,
                "Content-Type": "application/x-www-form-urlencoded",
            },
            body=urlencode(fields),
        ),
    ]


def count_queries(endpoints, cookie):
    """{endpoint key: SQL queries one request makes}, after a warm-up request."""
    client = Client()
    name, _, value = cookie.partition("=")
    client.cookies[name] = value
    counts = {}
    for endpoint in endpoints:
        headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in endpoint.headers.items()}
        headers.pop("HTTP_CONTENT_TYPE", None)

        def call(endpoint=endpoint, headers=headers):
            if endpoint.method == "POST":
                return client.post(
                    endpoint.path,
                    endpoint.body,
                    content_type="application/x-www-form-urlencoded",
                    **headers,
                )
            return client.get(endpoint.path, **headers)

        response = call()
        if not 200 <= response.status_code < 300:
            raise CommandError(f"{endpoint.path} answered {response.status_code} in-process")
        with CaptureQueriesContext(connection) as captured:
            call()
        counts[endpoint.key] = len(captured)
    return counts


# --- The server ---------------------------------------------------------------------------


def server_env(options, secret_key, test_db, workdir):
    """The environment of production (DEBUG off) with throwaway values, on the test database."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    database_url = urlsplit(os.environ["DATABASE_URL"])
    env.update(
        DJANGO_SETTINGS_MODULE="dashboard.management.bench_settings",
        DATABASE_URL=urlunsplit(database_url._replace(path=f"/{test_db}")),
        DEBUG="false",
        SECRET_KEY=secret_key,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PUBLIC_BASE_URL=PUBLIC_BASE_URL,
        SECURE_SSL_REDIRECT="false",
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        SMS_SENDER="sms.senders.locmem.LocmemSender",
        SILENCED_SYSTEM_CHECKS="sms.W001",
        BENCH_STATIC_ROOT=str(workdir / "static"),
    )
    for option, variable in [("workers", "WEB_CONCURRENCY"), ("threads", "GUNICORN_THREADS")]:
        if options[option]:
            env[variable] = str(options[option])
    return env


def gunicorn_shape(env):
    """(workers, threads, worker class, keep-alive) that config/gunicorn.py gives in `env`."""
    with mock.patch.dict(os.environ, env, clear=True):
        config = runpy.run_path(str(BASE_DIR / "config" / "gunicorn.py"))
    return config["workers"], config["threads"], config["worker_class"], config["keepalive"]


def run_manage(arguments, env):
    subprocess.run(  # noqa: S603 (our own command line)
        [sys.executable, "manage.py", *arguments], cwd=BASE_DIR, env=env, check=True, timeout=300
    )


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(env, log_path):
    # The access log goes where production's goes (stdout), here to /dev/null: writing it
    # is part of the cost of a request.
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log_path.open("w"),
        start_new_session=True,
    )


def wait_until_up(server, url, log_path, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise CommandError(f"gunicorn exited:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:  # refused while it starts, or a timeout while a worker boots
            pass
        time.sleep(0.2)
    raise CommandError(f"gunicorn did not answer within {timeout} s:\n{log_path.read_text()}")


def stop(server):
    """SIGTERM to gunicorn's master: it stops its workers and waits for them."""
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def mean(values):
    values = list(values)
    return sum(values) / len(values)


def is_local(database_url):
    """Whether PostgreSQL runs on this machine, where its backends' CPU time can be read."""
    return urlsplit(database_url).hostname in (None, "", "localhost", "127.0.0.1", "::1")


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """User + system CPU time of process `pid` so far, or None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    except (OSError, IndexError, ValueError):
        return None


class CpuMeter:
    """CPU time spent by gunicorn's workers and by the PostgreSQL backends serving them.

    Read from /proc, so it is what serving the requests cost whatever else the machine was
    doing meanwhile. A backend that ends during a run takes its CPU time with it (with
    CONN_MAX_AGE, they live longer than a run)."""

    def __init__(self, master_pid, *, local_database):
        self.master_pid = master_pid
        self.local_database = local_database and Path("/proc/self/stat").exists()

    def pids(self):
        try:
            path = Path(f"/proc/{self.master_pid}/task/{self.master_pid}/children")
            app = [int(pid) for pid in path.read_text().split()]
        except OSError:
            app = []
        db = []
        if self.local_database:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pid FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
                db = [pid for (pid,) in cursor.fetchall()]
        return app, db

    def snapshot(self):
        app, db = self.pids()
        return (
            {pid: cpu_seconds(pid) or 0.0 for pid in app},
            {pid: cpu_seconds(pid) or 0.0 for pid in db},
        )

    def spent(self, before):
        """(app seconds, database seconds or None) since the snapshot `before`."""
        after = self.snapshot()
        app, db = (
            sum(max(0.0, seconds - then.get(pid, 0.0)) for pid, seconds in now.items())
            for now, then in zip(after, before, strict=True)
        )
        return app, db if self.local_database else None


def busy_seconds():
    """CPU time the whole machine has spent busy (all cores), from /proc/stat; steal
    (time the hypervisor gave our cores to others) counts as busy."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(
        int, Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
    )
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


def own_and_children_seconds():
    """CPU time of this process and of its finished children (wrk, once it has ended)."""
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return sum(u.ru_utime + u.ru_stime for u in usage)


def worker_memory(master_pid):
    """The resident memory of each of gunicorn's workers, in MB (Linux only, else [])."""
    try:
        children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
        sizes = []
        for pid in children:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
        return sizes
    except OSError:
        return []


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def preflight(base, endpoint, cookie, log_path):
    """The endpoint answers 2xx to the request wrk will repeat (not a redirect to sign in)."""
    headers = {**endpoint.headers}
    if endpoint.key != "floor":
        headers["Cookie"] = cookie
    request = urllib.request.Request(  # noqa: S310
        base + endpoint.path,
        data=endpoint.body.encode() if endpoint.method == "POST" else None,
        headers=headers,
        method=endpoint.method,
    )
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    if not 200 <= status < 300:
        log = log_path.read_text()[-3000:]
        raise CommandError(f"{endpoint.method} {endpoint.path} answered {status} over HTTP:\n{log}")


# --- wrk ----------------------------------------------------------------------------------

LUA = """
wrk.method = {method}
wrk.body = {body}
{headers}
local threads = {{}}
function setup(thread) table.insert(threads, thread) end
function init(args) non2xx = 0 end
function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end
function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("non2xx") end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, ' ..
    '"non2xx": %d, "errors": %d}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    bad, e.connect + e.read + e.write + e.timeout))
end
"""


@dataclass
class Result:
    requests: int
    duration_us: int
    p50_us: int
    p99_us: int
    non2xx: int
    errors: int
    app_cpu_ms: float = 0.0  # per request
    db_cpu_ms: float | None = None
    # CPU the rest of the machine used meanwhile (other work, steal), in cores: a run with
    # much of it measured a busy machine.
    others_cores: float = 0.0

    @property
    def failures(self):
        return self.non2xx + self.errors

    def cost_columns(self):
        if not self.requests:
            return f"n/a | n/a | n/a | {self.others_cores:.2f}"
        db = "n/a" if self.db_cpu_ms is None else f"{self.db_cpu_ms:.1f}"
        per_core = 1000 / (self.app_cpu_ms + (self.db_cpu_ms or 0))
        return f"{self.app_cpu_ms:.1f} | {db} | {per_core:.0f} | {self.others_cores:.2f}"

    @property
    def rps(self):
        return self.requests / (self.duration_us / 1e6)

    def share_of(self, floor):
        return f"{100 * self.rps / floor.rps:.0f} %" if floor.requests else "n/a"

    @property
    def p50_ms(self):
        return self.p50_us / 1000

    @property
    def p99_ms(self):
        return self.p99_us / 1000


class Wrk:
    def __init__(self, wrk, base, cookie, workdir, options, meter):
        self.wrk, self.base, self.cookie, self.workdir = wrk, base, cookie, workdir
        self.meter = meter
        self.connections = options["connections"]
        self.threads = options["wrk_threads"]

    def script(self, endpoint):
        headers = dict(endpoint.headers)
        if endpoint.key != "floor":
            headers["Cookie"] = self.cookie
        path = self.workdir / f"{endpoint.key}.lua"
        path.write_text(
            LUA.format(
                method=json.dumps(endpoint.method),
                body=json.dumps(endpoint.body) if endpoint.body else "nil",
                headers="\n".join(
                    f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()
                ),
            )
        )
        return path

    def settle(self, timeout=120):
        """Wait until the server has worked off the requests wrk left queued when it stopped
        (up to `connections` of them), so that they neither slow the next run nor count in
        its CPU time: until gunicorn's workers have been idle for two quarter-seconds."""
        deadline = time.monotonic() + timeout
        idle = 0
        while idle < 2 and time.monotonic() < deadline:
            before = self.meter.snapshot()
            time.sleep(0.25)
            app_seconds, _ = self.meter.spent(before)
            idle = idle + 1 if app_seconds < 0.01 else 0

    def run(self, endpoint, seconds):
        command = [
            self.wrk,
            f"--threads={self.threads}",
            f"--connections={self.connections}",
            f"--duration={seconds}s",
            "--timeout=30s",
            f"--script={self.script(endpoint)}",
            self.base + endpoint.path,
        ]
        before = self.meter.snapshot()
        machine, ours, started = busy_seconds(), own_and_children_seconds(), time.monotonic()
        done = subprocess.run(  # noqa: S603 (our own command line)
            command, capture_output=True, text=True, timeout=seconds + 60
        )
        # Read at once: wrk counts none of the requests still queued when it stopped.
        app_seconds, db_seconds = self.meter.spent(before)
        others = (
            busy_seconds()
            - machine
            - (own_and_children_seconds() - ours)
            - app_seconds
            - (db_seconds or 0)
        )
        others_cores = max(0.0, others) / (time.monotonic() - started)
        self.settle()
        for line in done.stdout.splitlines():
            if line.startswith("BENCH_JSON "):
                result = Result(**json.loads(line.removeprefix("BENCH_JSON ")))
                result.others_cores = others_cores
                if result.requests:
                    result.app_cpu_ms = 1000 * app_seconds / result.requests
                    if db_seconds is not None:
                        result.db_cpu_ms = 1000 * db_seconds / result.requests
                return result
        raise CommandError(f"wrk gave no result:\n{done.stdout}\n{done.stderr}")
