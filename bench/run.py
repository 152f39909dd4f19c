"""`make bench`: LearnHub under gunicorn on PostgreSQL, driven by wrk, at ×1 and ×10 of the data.

Recreates the databases bench_x1 and bench_x10 (and no other), migrates and seeds them (bench/seed.py),
serves each with gunicorn (2 × cores + 1 workers, bench mode) and logs the load-test accounts in. Then,
endpoint by endpoint and alternating between the scales, it reads the SQL query count (X-Query-Count)
of one request, warms up and runs wrk for a few seconds. Writes bench/results.json and bench/results.md,
prints PASS or FAIL for each target of issue 7, and finally runs bench/mentoring.py, the slot and feed
micro-benchmark.

Environment: BENCH_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432), BENCH_SECONDS (wrk
run per endpoint, default 3), BENCH_ROUNDS (runs per endpoint and scale, the best counts; default 2).
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import HTTPRedirectHandler, Request, build_opener

import psycopg

BENCH = Path(__file__).resolve().parent
OUT = BENCH / "out"
GUNICORN_CONFIG = BENCH.parent / "deploy" / "gunicorn.conf.py"
SERVER_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432").rstrip("/")
DATABASES = {1: "bench_x1", 10: "bench_x10"}  # the only databases this script creates or drops
WORKERS = 2 * (os.cpu_count() or 1) + 1
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379").rstrip("/")
CACHE_DATABASES = {1: 12, 10: 13}  # Redis databases the bench empties and uses for the report cache
THREADS, CONNECTIONS = 2, 10
SECONDS = int(os.environ.get("BENCH_SECONDS", "3"))
# Runs per endpoint and scale, alternating ×1 and ×10; the best counts, as other load on the machine
# only ever makes a run slower.
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
WARMUP_SECONDS = 1
# A page that manages fewer requests/s than this while warming up gets one longer run instead (up to
# ten times its first request's time), so that enough requests finish to measure.
SLOW_RATE, SLOW_RUN_SECONDS = 20, 30
USER_AGENT = "learnhub-bench"  # the same for set-up and wrk, so sessions stay valid and unchanged

PAGE_RATIO, DASHBOARD_RATIO, P95_RATIO, RSS_MB, TOTAL_SECONDS = 0.10, 0.05, 1.5, 150, 600


# --- HTTP for set-up and probes --------------------------------------------------------------------

@dataclass(frozen=True)
class Call:
    """One request as wrk sends it."""

    method: str
    path: str
    cookie: str = ""
    body: str = ""

    def line(self) -> str:
        return "\t".join((self.method, self.path, self.cookie, self.body))


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict
    text: str
    cookies: dict


class _NoRedirect(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = build_opener(_NoRedirect())


def fetch(base_url: str, call: Call) -> Answer:
    headers = {"User-Agent": USER_AGENT}
    if call.cookie:
        headers["Cookie"] = call.cookie
    if call.body:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    request = Request(base_url + call.path, data=call.body.encode() or None, headers=headers, method=call.method)
    try:
        with _opener.open(request, timeout=60) as response:
            status, message, text = response.status, response.headers, response.read().decode()
    except HTTPError as error:  # 3xx (not followed), 4xx and 5xx
        status, message, text = error.code, error.headers, error.read().decode()
    cookies = {}
    for header in message.get_all("Set-Cookie") or []:
        cookies |= {name: morsel.value for name, morsel in SimpleCookie(header).items()}
    return Answer(status, dict(message.items()), text, cookies)


class Browser:
    """Keeps a session cookie between requests, as a browser would; never follows redirects."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.cookies: dict[str, str] = {}

    @property
    def cookie(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def send(self, method: str, path: str, form: dict | None = None) -> Answer:
        answer = fetch(self.base_url, Call(method, path, self.cookie, urlencode(form or {})))
        self.cookies |= answer.cookies
        return answer

    def csrf_token(self, path: str) -> str:
        page = self.send("GET", path).text
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)

    def log_in(self, email: str, password: str) -> "Browser":
        form = {"email": email, "password": password, "csrf_token": self.csrf_token("/auth/login")}
        answer = self.send("POST", "/auth/login", form)
        if answer.status != 302:
            raise RuntimeError(f"could not log in as {email}: HTTP {answer.status}")
        # Showing a page clears the welcome message, so the cookie wrk replays stays the same.
        self.send("GET", "/dashboard")
        return self


# --- endpoints ---------------------------------------------------------------------------------------

@dataclass
class Endpoint:
    name: str
    label: str
    route: str  # the URL pattern shown in the results (the real paths may hold secrets)
    calls: list[Call]  # what wrk replays
    probe: Call  # sent once, for the query count; never part of `calls`
    warmup: list[Call]  # sent for a second before measuring, so every worker has compiled its templates
    expected_status: int = 200
    ratio_target: float = PAGE_RATIO
    is_unique: bool = False  # each call changes something once (a booking, an enrolment): never resend it

    def consume(self, requests: int) -> None:
        """Drop the calls a run used, so the next run sends fresh ones. Threads advance unevenly and
        requests were still in flight at the end, hence the margin."""
        if self.is_unique:
            self.calls = self.calls[2 * (requests + CONNECTIONS):] or self.calls[-THREADS:]


def endpoints(base_url: str, fixtures: dict) -> list[Endpoint]:
    """Log the accounts in and build every benchmarked request; GET pages first, then the POSTs."""
    password = fixtures["password"]
    with ThreadPoolExecutor(WORKERS) as pool:
        named = dict(zip(("professional", "trainer", "mentor", "admin"), pool.map(
            lambda role: Browser(base_url).log_in(fixtures[role], password),
            ("professional", "trainer", "mentor", "admin"))))
        mentees = list(pool.map(lambda email: Browser(base_url).log_in(email, password), fixtures["mentees"]))
    professional = named["professional"]

    def page(name: str, label: str, route: str, path: str, browser: Browser | None = None, **options) -> Endpoint:
        call = Call("GET", path, browser.cookie if browser else "")
        return Endpoint(name, label, route, [call], call, [call], **options)

    feed_path = re.search(r"/calendar/[^\"<\s]+\.ics", professional.send("GET", "/account/calendar").text).group(0)
    programme, mentor = fixtures["programme_id"], fixtures["mentor_id"]
    code = fixtures["certificate_code"]
    result = [
        page("hello", "hello (ceiling)", "/bench/hello", "/bench/hello"),
        page("catalogue", "public catalogue", "/catalogue", "/catalogue"),
        page("learning_set", "learning-set page", "/learning-sets/<slug>",
             f"/learning-sets/{fixtures['learning_set_slug']}"),
        page("dashboard", "professional's dashboard", "/dashboard", "/dashboard", professional),
        page("my_learning", "professional's learning", "/my/learning", "/my/learning", professional),
        page("cohort_roster", "trainer's cohort roster", "/trainer/cohorts/<id>",
             f"/trainer/cohorts/{fixtures['roster_cohort_id']}", named["trainer"]),
        page("mentor_week", "mentor's week", "/mentoring", "/mentoring", named["mentor"]),
        page("free_slots", "free-slot computation", "/mentoring/programmes/<id>/mentors/<id>/slots",
             f"/mentoring/programmes/{programme}/mentors/{mentor}/slots", professional),
        page("ics_feed", "ICS feed", "/calendar/<token>.ics", feed_path),
        page("verify_html", "certificate verification (HTML)", "/verify/<code>", f"/verify/{code}"),
        page("verify_json", "certificate verification (JSON)", "/verify/<code>.json", f"/verify/{code}.json"),
        page("institute_dashboard", "institute dashboard", "/reports/", "/reports/", named["admin"],
             ratio_target=DASHBOARD_RATIO),
    ]
    anonymous = Browser(base_url)
    token = anonymous.csrf_token("/auth/login")
    login = Call("POST", "/auth/login", anonymous.cookie,
                 urlencode({"email": fixtures["professional"], "password": password, "csrf_token": token}))
    result.append(Endpoint("login", "login POST", "/auth/login", [login], login, [login], 302))
    result.append(_booking(fixtures, mentees))
    result.append(_enrolment(fixtures, mentees))
    return result


def _tokens(mentees: list[Browser]) -> list[str]:
    return [mentee.csrf_token("/dashboard") for mentee in mentees]


def _booking(fixtures: dict, mentees: list[Browser]) -> Endpoint:
    """Every call books a distinct free slot: mentors in turn (so their row locks rarely meet), each
    mentee at most a few times per mentor (under the monthly limit)."""
    programme, mentor_ids = fixtures["booking_programme_id"], fixtures["booking_mentor_ids"]
    slot_lists = [re.findall(r'name="starts_at" value="([^"]+)"', mentees[0].send(
        "GET", f"/mentoring/programmes/{programme}/mentors/{mentor}/slots").text) for mentor in mentor_ids]
    tokens = _tokens(mentees)
    calls = []
    for index in range(min(len(slots) for slots in slot_lists) * len(mentor_ids)):
        mentor, turn = index % len(mentor_ids), index // len(mentor_ids)
        mentee = turn % len(mentees)
        calls.append(Call("POST", f"/mentoring/programmes/{programme}/mentors/{mentor_ids[mentor]}/book",
                          mentees[mentee].cookie,
                          urlencode({"starts_at": slot_lists[mentor][turn], "csrf_token": tokens[mentee]})))
    return _post("booking", "booking POST", "/mentoring/programmes/<id>/mentors/<id>/book", calls)


def _enrolment(fixtures: dict, mentees: list[Browser]) -> Endpoint:
    """Every call enrols a mentee in a cohort they are not in yet; cohorts fill and then waitlist."""
    cohorts, tokens = fixtures["open_cohort_ids"], _tokens(mentees)
    calls = [Call("POST", f"/cohorts/{cohorts[index % len(cohorts)]}/enrol", mentees[index // len(cohorts)].cookie,
                  urlencode({"csrf_token": tokens[index // len(cohorts)]}))
             for index in range(len(cohorts) * len(mentees))]
    return _post("enrolment", "enrolment POST", "/cohorts/<id>/enrol", calls)


def _post(name: str, label: str, route: str, calls: list[Call]) -> Endpoint:
    # The last call is the probe, the first few hundred warm the workers up; wrk gets the rest.
    warmup = min(300, len(calls) // 10)
    return Endpoint(name, label, route, calls[warmup:-1], calls[-1], calls[:warmup], 302, is_unique=True)


# --- running -----------------------------------------------------------------------------------------

def drop_database(name: str) -> None:
    if name not in DATABASES.values():
        raise ValueError(f"bench/run.py only recreates {sorted(DATABASES.values())}, not {name}")
    with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def reset_database(name: str) -> str:
    drop_database(name)
    with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"{SERVER_URL}/{name}"


def seed(database_url: str, scale: int, anchor: str) -> dict:
    started = time.perf_counter()
    result = subprocess.run([sys.executable, str(BENCH / "seed.py"), database_url, "--scale", str(scale),
                             "--anchor", anchor], capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"seeding ×{scale} failed:\n{result.stderr}")
    return json.loads(result.stdout) | {"seed_seconds": round(time.perf_counter() - started, 1)}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fresh_cache(scale: int) -> str:
    """An emptied Redis database per scale, so the two servers never read each other's figures."""
    import redis

    url = f"{REDIS_URL}/{CACHE_DATABASES[scale]}"
    redis.Redis.from_url(url).flushdb()
    return url


def signing_keys() -> str:
    """A certificate signing key as production needs one (bench/out/keys, mode 0600), made on the first run."""
    from learnhub.certification.keys import generate_key, load_keys

    directory = OUT / "keys"
    if not load_keys(directory):
        generate_key(directory)
    return str(directory)


def start_gunicorn(database_url: str, cache_url: str, port: int, log_path: Path) -> subprocess.Popen:
    env = os.environ | {
        "LEARNHUB_ENV": "production",  # secure cookies are fine: set-up and wrk send cookies themselves
        "DATABASE_URL": database_url, "SECRET_KEY": "bench-secret-key", "BASE_URL": f"http://127.0.0.1:{port}",
        "LEARNHUB_BENCH": "1",  # X-Query-Count and /bench/hello
        "MAIL_SEND_AFTER_REQUEST": "0",  # queued in the outbox, as in production (the worker sends)
        # The workers share report figures and rate limits through Redis, as several production instances
        # would (production refuses per-process rate limits).
        "CACHE_REDIS_URL": cache_url, "RATELIMIT_STORAGE_URI": cache_url,
        # One client address makes every request: the limits would measure 429 pages instead.
        "LOGIN_RATE_LIMIT": "1000000 per minute", "MAIL_RATE_LIMIT": "1000000 per minute",
        "VERIFY_RATE_LIMIT": "1000000 per minute",
        "CREDENTIAL_KEYS_DIR": signing_keys(),  # production refuses to start without one
    }
    log_path.unlink(missing_ok=True)  # gunicorn appends; each run's log starts empty
    # The production settings (deploy/gunicorn.conf.py), except that slow pages are measured rather than
    # killed, and workers are not recycled, so each one's peak memory is that of the whole run.
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", *(["-c", str(GUNICORN_CONFIG)] if GUNICORN_CONFIG.exists() else []),
         "--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}", "--timeout", "120", "--max-requests", "0",
         "--error-logfile", str(log_path), "learnhub:create_app()"],
        env=env, cwd=BENCH.parent, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if fetch(f"http://127.0.0.1:{port}", Call("GET", "/healthz")).status == 200:
                return server
        except OSError:
            pass
        if server.poll() is not None:
            break
        time.sleep(0.3)
    server.kill()
    sys.exit(f"gunicorn did not start; see {log_path}")


def workers_of(master: int) -> list[int]:
    pids = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            if re.search(r"^PPid:\s+(\d+)$", status.read_text(), re.M).group(1) == str(master):
                pids.append(int(status.parent.name))
        except (OSError, AttributeError):
            continue  # the process ended meanwhile
    return sorted(pids)


def peak_rss_mb(pid: int) -> float:
    kilobytes = re.search(r"^VmHWM:\s+(\d+) kB$", Path(f"/proc/{pid}/status").read_text(), re.M).group(1)
    return round(int(kilobytes) / 1024, 1)


def wait_until_idle(base_url: str) -> None:
    """Requests wrk left behind are still being served; wait until hello is answered at once."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        started = time.perf_counter()
        fetch(base_url, Call("GET", "/bench/hello"))
        if time.perf_counter() - started < 0.1:
            return


def run_wrk(base_url: str, calls: list[Call], seconds: int) -> dict:
    OUT.mkdir(exist_ok=True)
    requests_file = OUT / "requests.tsv"
    calls = calls * max(1, -(-THREADS // len(calls)))  # every thread needs at least one call
    requests_file.write_text("".join(call.line() + "\n" for call in calls))
    output = subprocess.run(
        ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "60s", "--latency",
         "-s", str(BENCH / "requests.lua"), base_url, "--", str(requests_file), str(THREADS)],
        capture_output=True, text=True, check=True).stdout
    result = json.loads(output.split("BENCH_RESULT ", 1)[1].splitlines()[0])
    return {
        "requests_per_second": round(result["requests"] / (result["duration_us"] / 1e6), 1),
        "requests": result["requests"],
        "p50_ms": result["p50_us"] / 1000, "p95_ms": result["p95_us"] / 1000, "p99_ms": result["p99_us"] / 1000,
        "statuses": dict(sorted(result["statuses"].items())),
        "socket_errors": result["socket_errors"], "timeouts": result["timeouts"],
    }


def probe(endpoint: Endpoint, base_url: str) -> dict:
    """One request: its status, time and SQL query count."""
    started = time.perf_counter()
    answer = fetch(base_url, endpoint.probe)
    result = {"label": endpoint.label, "route": endpoint.route, "ratio_target": endpoint.ratio_target,
              "probe_status": answer.status, "probe_ms": round((time.perf_counter() - started) * 1000),
              "queries": int(answer.headers.get("X-Query-Count", -1))}
    if answer.status == 404 and endpoint.expected_status != 404:
        result["missing"] = True
    elif answer.status != endpoint.expected_status:
        result["broken"] = True
    return result


def load(endpoint: Endpoint, server: subprocess.Popen, base_url: str, seconds: int) -> dict:
    result = run_wrk(base_url, endpoint.calls, seconds) | {"seconds": seconds}
    endpoint.consume(result["requests"])
    wait_until_idle(base_url)
    return result | {"peak_rss_mb_so_far": max(peak_rss_mb(pid) for pid in workers_of(server.pid))}


def measure(by_scale: dict[int, Endpoint], servers: dict[int, tuple[subprocess.Popen, str]]) -> dict[int, dict]:
    """One endpoint at both scales: probe, warm up, then runs alternating between the scales."""
    results = {scale: probe(endpoint, servers[scale][1]) for scale, endpoint in by_scale.items()}
    if any(result.get("missing") or result.get("broken") for result in results.values()):
        return results
    warm = {}
    for scale, endpoint in by_scale.items():
        warm[scale] = run_wrk(servers[scale][1], endpoint.warmup, WARMUP_SECONDS)
        wait_until_idle(servers[scale][1])
    seconds, rounds = SECONDS, ROUNDS
    if any(run["requests_per_second"] < SLOW_RATE for run in warm.values()):  # one longer run, as long at both scales
        slowest = max(result["probe_ms"] for result in results.values()) / 1000
        seconds, rounds = max(SECONDS * ROUNDS, min(SLOW_RUN_SECONDS, round(10 * slowest))), 1
    runs: dict[int, list[dict]] = {scale: [] for scale in by_scale}
    for _round in range(rounds):
        for scale, endpoint in by_scale.items():
            runs[scale].append(load(endpoint, *servers[scale], seconds))
    for scale, scale_runs in runs.items():
        results[scale] |= max(scale_runs, key=lambda run: run["requests_per_second"]) | {"runs": scale_runs}
    return results


def _progress(name: str, scale: int, result: dict) -> str:
    if result.get("missing") or result.get("broken"):
        state = "missing" if result.get("missing") else "BROKEN"
        return f"   {name:20} ×{scale:<2} {state}: HTTP {result['probe_status']}"
    return (f"   {name:20} ×{scale:<2} {result['requests_per_second']:8.1f} req/s  p95 {result['p95_ms']:8.1f} ms  "
            f"{result['queries']:3} queries  {result['peak_rss_mb_so_far']:4.0f} MB  {result['statuses']}")


def bench(anchor: str) -> dict:
    """Both scales served at once and measured endpoint by endpoint, ×1 then ×10, so that whatever
    else the machine is doing affects both sides of each comparison alike."""
    fixtures, servers, plans = {}, {}, {}
    for scale, name in DATABASES.items():
        print(f"== seeding {name} (×{scale})", flush=True)
        fixtures[scale] = seed(reset_database(name), scale, anchor)
        print(f"   {sum(fixtures[scale]['rows'].values()):,} rows in {fixtures[scale]['seed_seconds']} s", flush=True)
    try:
        for scale, name in DATABASES.items():
            port = free_port()
            servers[scale] = (start_gunicorn(f"{SERVER_URL}/{name}", fresh_cache(scale), port,
                                             OUT / f"gunicorn-x{scale}.log"),
                              f"http://127.0.0.1:{port}")
            plans[scale] = endpoints(servers[scale][1], fixtures[scale])
        print(f"== measuring ({WORKERS} gunicorn workers per scale; load average {_load_average()})", flush=True)
        results = {scale: {} for scale in DATABASES}
        for position, name in enumerate(endpoint.name for endpoint in plans[1]):
            for scale, result in measure({scale: plans[scale][position] for scale in DATABASES}, servers).items():
                results[scale][name] = result
                print(_progress(name, scale, result), flush=True)
        rss = {scale: {str(pid): peak_rss_mb(pid) for pid in workers_of(server.pid)}
               for scale, (server, _url) in servers.items()}
    finally:
        for server, _url in servers.values():
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
        for name in DATABASES.values():  # ×10 takes several hundred MB; nothing needs it afterwards
            drop_database(name)
    return {f"x{scale}": {"seed_seconds": fixtures[scale]["seed_seconds"], "rows": fixtures[scale]["rows"],
                          "peak_rss_mb": rss[scale], "endpoints": results[scale]} for scale in DATABASES}


def _load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# --- results -----------------------------------------------------------------------------------------

def compare(x1: dict, x10: dict) -> list[dict]:
    rows = []
    for name, one in x1["endpoints"].items():
        ten = x10["endpoints"][name]
        row = {"name": name, "label": one["label"], "route": one["route"], "ratio_target": one["ratio_target"],
               "x1": one, "x10": ten}
        if not (one.get("missing") or one.get("broken") or ten.get("missing") or ten.get("broken")):
            hello_1, hello_10 = (s["endpoints"]["hello"]["requests_per_second"] for s in (x1, x10))
            row["ratio_x1"] = round(one["requests_per_second"] / hello_1, 3)
            row["ratio_x10"] = round(ten["requests_per_second"] / hello_10, 3)
            row["p95_ratio"] = round(ten["p95_ms"] / one["p95_ms"], 2)
        rows.append(row)
    return rows


def targets(rows: list[dict], x1: dict, x10: dict, total_seconds: float) -> list[dict]:
    def verdict(name: str, passed: bool, detail: str) -> dict:
        return {"target": name, "result": "PASS" if passed else "FAIL", "detail": detail}

    measured = [r for r in rows if "ratio_x1" in r and r["name"] != "hello"]
    unmeasured = [f"{r['name']} ({'missing' if r['x1'].get('missing') else 'broken'})"
                  for r in rows if "ratio_x1" not in r]
    slow = [f"{r['name']} {min(r['ratio_x1'], r['ratio_x10']):.3f} < {r['ratio_target']}"
            for r in measured if min(r["ratio_x1"], r["ratio_x10"]) < r["ratio_target"]]
    unequal = [f"{r['name']} {r['x1']['queries']} → {r['x10']['queries']}"
               for r in rows if r["x1"]["queries"] != r["x10"]["queries"] and "ratio_x1" in r]
    p95 = [f"{r['name']} {r['p95_ratio']}" for r in measured if r["p95_ratio"] > P95_RATIO]
    rss = max([*x1["peak_rss_mb"].values(), *x10["peak_rss_mb"].values()])
    result = [
        verdict(f"every page ≥ {PAGE_RATIO} of hello's requests/s (institute dashboard ≥ {DASHBOARD_RATIO})",
                not slow, "; ".join(slow) or "all measured endpoints"),
        verdict("SQL queries per request equal at ×1 and ×10", not unequal, "; ".join(unequal) or "all equal"),
        verdict(f"p95 at ×10 ≤ {P95_RATIO} × p95 at ×1", not p95, "; ".join(p95) or "all within"),
        verdict(f"peak RSS per worker < {RSS_MB} MB", rss < RSS_MB, f"highest {rss} MB"),
        verdict("bench finishes in under 10 minutes", total_seconds < TOTAL_SECONDS, f"{total_seconds:.0f} s"),
    ]
    if unmeasured:
        result.append({"target": "endpoints measured", "result": "MISSING", "detail": ", ".join(unmeasured)})
    return result


def _statuses(result: dict) -> str:
    total: dict[str, int] = {}
    for run in result["runs"]:
        for status, count in run["statuses"].items():
            total[status] = total.get(status, 0) + count
    return ", ".join(f"{count} × {status}" for status, count in sorted(total.items()))


def _rate(requests_per_second: float) -> str:
    return f"{requests_per_second:.0f}" if requests_per_second >= 10 else f"{requests_per_second:.1f}"


def _latency(result: dict) -> str:
    return f"{result['p50_ms']:.1f} / {result['p95_ms']:.1f} / {result['p99_ms']:.1f}"


def markdown(report: dict) -> str:
    setup = report["setup"]
    lines = [
        "# LearnHub benchmarks", "",
        f"Run {report['generated_at']} by `make bench` (bench/run.py) on {setup['cores']} cores (load average "
        f"{setup['load_average_before']} before, {setup['load_average_after']} after): PostgreSQL, gunicorn with "
        f"{setup['workers']} sync workers per scale, wrk with {setup['threads']} threads and "
        f"{setup['connections']} connections, {setup['rounds']} runs of {setup['seconds']} s per endpoint and scale "
        f"after a {WARMUP_SECONDS} s warm-up, the best run counting (pages under {SLOW_RATE} req/s while warming up: "
        f"one run of up to {SLOW_RUN_SECONDS} s). "
        "×1 is 50 organisations, 5,000 professionals, 60 learning sets, 200 cohorts, 50,000 enrolments, "
        "20,000 mentoring sessions and 10,000 certificates (bench/seed.py); ×10 is ten times that. Both scales "
        "are served at once and each endpoint is measured at ×1 and then at ×10, so other load on the machine "
        "touches both alike. Ratios compare with the bare hello route of the same app at the same scale; "
        "the first request is the one whose queries are counted, sent alone before the warm-up (cold caches).", "",
        "| endpoint | route | req/s ×1 | ratio ×1 | req/s ×10 | ratio ×10 | p50 / p95 / p99 ms ×1 | "
        "p50 / p95 / p99 ms ×10 | queries ×1 | queries ×10 | p95 ×10/×1 | first request ms ×1 / ×10 |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for row in report["endpoints"]:
        one, ten = row["x1"], row["x10"]
        if "ratio_x1" not in row:
            state = ("missing (404)" if one.get("missing") or ten.get("missing")
                     else f"broken (HTTP {one['probe_status']}, {ten['probe_status']})")
            lines.append(f"| {row['label']} | `{row['route']}` | {state} | | | | | | | | | |")
            continue
        lines.append(
            f"| {row['label']} | `{row['route']}` | {_rate(one['requests_per_second'])} | {row['ratio_x1']:.3f} | "
            f"{_rate(ten['requests_per_second'])} | {row['ratio_x10']:.3f} | {_latency(one)} | {_latency(ten)} | "
            f"{one['queries']} | {ten['queries']} | {row['p95_ratio']:.2f} | {one['probe_ms']} / {ten['probe_ms']} |")
    lines += ["", "Status codes received in all runs (POSTs make real changes: each booking takes a distinct free "
              "slot, each enrolment a new person–cohort pair; 302 is success, 409 a refusal):", ""]
    for row in report["endpoints"]:
        if "ratio_x1" in row:
            lines.append(f"- {row['label']}: ×1 {_statuses(row['x1'])}, ×10 {_statuses(row['x10'])}")
    micro = report["mentoring_micro"]
    lines += ["", "Peak RSS per gunicorn worker (VmHWM, MB): "
              f"×1 {sorted(report['scales']['x1']['peak_rss_mb'].values())}, "
              f"×10 {sorted(report['scales']['x10']['peak_rss_mb'].values())}.", "",
              f"bench/mentoring.py (SQLite, one mentor with {micro['sessions']:,} sessions): free slots in "
              f"{micro['free_slots_seconds'] * 1000:.0f} ms, the mentee's feed ({micro['feed_events']:,} events) in "
              f"{micro['feed_seconds']:.2f} s.", "",
              f"Seeding took {report['scales']['x1']['seed_seconds']} s (×1) and "
              f"{report['scales']['x10']['seed_seconds']} s (×10); the whole run {report['total_seconds']:.0f} s.",
              "", "## Targets", "", "| target | result | detail |", "|---|---|---|"]
    lines += [f"| {t['target']} | **{t['result']}** | {t['detail']} |" for t in report["targets"]]
    return "\n".join(lines) + "\n"


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    if os.geteuid() != 0:
        sys.exit("wrk is missing: apt-get install wrk")
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True,
                   env=os.environ | {"DEBIAN_FRONTEND": "noninteractive"})


def main() -> None:
    started = time.perf_counter()
    ensure_wrk()
    OUT.mkdir(exist_ok=True)
    anchor = datetime.now(UTC).date().isoformat()  # both scales are built around the same day
    load_before = _load_average()
    scales = bench(anchor)
    load_after = _load_average()
    print("\n== mentoring micro-benchmark (bench/mentoring.py)", flush=True)
    subprocess.run([sys.executable, str(BENCH / "mentoring.py")], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    micro = json.loads((OUT / "mentoring.json").read_text())
    total = time.perf_counter() - started
    rows = compare(scales["x1"], scales["x10"])
    report = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "setup": {"cores": os.cpu_count(), "workers": WORKERS, "threads": THREADS, "connections": CONNECTIONS,
                  "seconds": SECONDS, "rounds": ROUNDS, "load_average_before": load_before,
                  "load_average_after": load_after},
        "endpoints": rows, "scales": scales, "mentoring_micro": micro,
        "targets": targets(rows, scales["x1"], scales["x10"], total), "total_seconds": round(total, 1),
    }
    (BENCH / "results.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    (BENCH / "results.md").write_text(markdown(report))
    print(f"\nbench/results.md and bench/results.json written after {total:.0f} s\n")
    for target in report["targets"]:
        print(f"{target['result']:8} {target['target']}: {target['detail']}")


if __name__ == "__main__":
    main()
