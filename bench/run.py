"""`make bench`: LearnHub under gunicorn on PostgreSQL, driven by wrk, at ×1 and ×10 of the data.

Recreates the databases bench_x1 and bench_x10 (and no other), migrates and seeds them (bench/seed.py) and
serves each twice with gunicorn (2 × cores + 1 workers, bench mode): with the shared Redis cache of the
production set-up, and without it. Endpoint by endpoint it reads the SQL query count (X-Query-Count) of one
request, warms up, and then alternates its reference and the endpoint in runs of a few seconds (hello, page,
hello, page …, BENCH_ROUNDS rounds, at each scale and cache setting), so that whatever else the machine is
doing moves both alike; each round gives a ratio and the median counts. Login's reference is a bare Argon2id
check of the same hash. Then it times the institute dashboard's first request with an empty cache,
`curriculum import` of every set and `mail send-pending` of 1,000 queued invitations, writes
bench/results.json and bench/results.md and prints PASS or FAIL for each target of issue 30.

Environment: BENCH_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432), BENCH_REDIS_URL (default
redis://127.0.0.1:6379), BENCH_SECONDS (each wrk run, default 2), BENCH_ROUNDS (default 3), BENCH_ONLY
(comma-separated endpoint names: measure only those, for trying a change; the results are not written).
"""

import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
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
PRODUCTION_SETTINGS = {"random_page_cost": "1.1", "max_parallel_workers_per_gather": "0"}
WORKERS = 2 * (os.cpu_count() or 1) + 1
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379").rstrip("/")
CACHE_DATABASES = {1: 12, 10: 13}  # Redis databases the bench empties and uses (cache and rate limits)
THREADS, CONNECTIONS = 2, 10
SECONDS = int(os.environ.get("BENCH_SECONDS", "2"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
ONLY = {name for name in os.environ.get("BENCH_ONLY", "").split(",") if name}
WARMUP_SECONDS = 1
# An endpoint that manages fewer requests/s than this while warming up is run this long each time
# (its reference too), so that enough of its requests finish to measure.
SLOW_RATE, SLOW_SECONDS = 5, 4
USER_AGENT = "learnhub-bench"  # the same for set-up and wrk, so sessions stay valid and unchanged
CACHED, UNCACHED = "cache", "no cache"  # the two set-ups each scale is served with
BOTH = (CACHED, UNCACHED)

READ_RATIO, WRITE_RATIO, UNCACHED_FLOOR, LOGIN_RATIO = 0.20, 0.10, 0.05, 0.8
COLD_DASHBOARD_SECONDS, FEED_MS, P95_RATIO, RSS_MB = 1.0, 300, 1.5, 150
INVITATIONS = 1_000


# --- HTTP for set-up and probes --------------------------------------------------------------------

@dataclass(frozen=True)
class Call:
    """One request as wrk sends it."""

    method: str
    path: str
    cookie: str = ""
    body: str = ""
    headers: str = ""  # "Name: value" pairs joined by "|"

    def line(self) -> str:
        return "\t".join((self.method, self.path, self.cookie, self.body, self.headers))


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict
    body: bytes
    cookies: dict

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")


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
    headers |= dict(pair.split(": ", 1) for pair in call.headers.split("|") if pair)
    request = Request(base_url + call.path, data=call.body.encode() or None, headers=headers, method=call.method)
    try:
        with _opener.open(request, timeout=120) as response:
            status, message, body = response.status, response.headers, response.read()
    except HTTPError as error:  # 3xx (not followed), 4xx and 5xx
        status, message, body = error.code, error.headers, error.read()
    cookies = {}
    for header in message.get_all("Set-Cookie") or []:
        cookies |= {name: morsel.value for name, morsel in SimpleCookie(header).items()}
    return Answer(status, dict(message.items()), body, cookies)


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
    probe: Call  # sent once, for the query count; never part of `calls` when they change something
    warmup: list[Call]  # sent for a second before measuring, so every worker has compiled its templates
    kind: str = "read"  # read, write or login: which target applies
    expected_status: int = 200
    reference: str = "hello"  # the endpoint each run alternates with
    is_unique: bool = False  # each call changes something once (a booking, an enrolment): never resend it
    # Measured without the shared cache too when it reads the cache; a page that never does is the same
    # page in both set-ups, and its one figure counts for both.
    settings: tuple[str, ...] = (CACHED,)

    def consume(self, requests: int) -> None:
        """Drop the calls a run used, so the next run sends fresh ones. Threads advance unevenly and
        requests were still in flight at the end, hence the margin."""
        if self.is_unique:
            self.calls = self.calls[2 * (requests + CONNECTIONS):] or self.calls[-THREADS:]


def endpoints(base_url: str, fixtures: dict) -> list[Endpoint]:
    """Log the accounts in and build every benchmarked request: references, GET pages, then writes."""
    password = fixtures["password"]
    roles = ("professional", "trainer", "mentor", "admin", "org_admin", "history_mentee")
    with ThreadPoolExecutor(WORKERS) as pool:
        named = dict(zip(roles, pool.map(lambda role: Browser(base_url).log_in(fixtures[role], password), roles)))
        mentees = list(pool.map(lambda email: Browser(base_url).log_in(email, password), fixtures["mentees"]))
    professional = named["professional"]

    def page(name: str, label: str, route: str, path: str, browser: Browser | None = None, reads_cache: bool = False,
             **options) -> Endpoint:
        call = Call("GET", path, browser.cookie if browser else "")
        return Endpoint(name, label, route, [call], call, [call], settings=BOTH if reads_cache else (CACHED,),
                        **options)

    feed_path, history_path = (re.search(r"/calendar/[^\"<\s]+\.ics", browser.send("GET", "/account/calendar").text)
                               .group(0) for browser in (professional, named["history_mentee"]))
    feed = fetch(base_url, Call("GET", feed_path))
    unchanged_feed = Call("GET", feed_path, headers=f"If-None-Match: {feed.headers['ETag']}")
    programme, mentor = fixtures["programme_id"], fixtures["mentor_id"]
    code = fixtures["certificate_code"]
    argon2 = Call("POST", "/bench/argon2", body=urlencode({"hash": fixtures["password_hash"], "password": password}))
    result = [
        page("hello", "hello (ceiling)", "/bench/hello", "/bench/hello", reads_cache=True),  # the reference of both
        Endpoint("argon2", "bare Argon2id check (login's reference)", "/bench/argon2", [argon2], argon2, [argon2],
                 kind="reference"),
        page("catalogue", "public catalogue", "/catalogue", "/catalogue", reads_cache=True),
        page("learning_set", "learning-set page", "/learning-sets/<slug>",
             f"/learning-sets/{fixtures['learning_set_slug']}", reads_cache=True),
        page("dashboard", "professional's dashboard", "/dashboard", "/dashboard", professional),
        page("my_learning", "professional's learning", "/my/learning", "/my/learning", professional),
        page("cohort_roster", "trainer's cohort roster", "/trainer/cohorts/<id>",
             f"/trainer/cohorts/{fixtures['roster_cohort_id']}", named["trainer"]),
        page("mentor_week", "mentor's week", "/mentoring", "/mentoring", named["mentor"]),
        page("free_slots", "free-slot computation", "/mentoring/programmes/<id>/mentors/<id>/slots",
             f"/mentoring/programmes/{programme}/mentors/{mentor}/slots", professional),
        page("ics_feed", "ICS feed", "/calendar/<token>.ics", feed_path, reads_cache=True),
        Endpoint("ics_feed_unchanged", "ICS feed, unchanged (304)", "/calendar/<token>.ics + If-None-Match",
                 [unchanged_feed], unchanged_feed, [unchanged_feed], expected_status=304, settings=BOTH),
        page("history_feed", "feed of a 5,000-session history", "/calendar/<token>.ics", history_path,
             reads_cache=True),
        page("verify_html", "certificate verification (HTML)", "/verify/<code>", f"/verify/{code}"),
        page("verify_json", "certificate verification (JSON)", "/verify/<code>.json", f"/verify/{code}.json"),
        page("institute_dashboard", "institute dashboard", "/reports/", "/reports/", named["admin"], reads_cache=True),
        page("staff", "organisation admin's staff page", "/organisations/<id>/staff",
             f"/organisations/{fixtures['organisation_id']}/staff", named["org_admin"]),
        page("certificate_pdf", "certificate PDF", "/certificates/<id>.pdf",
             f"/certificates/{fixtures['certificate_id']}.pdf", named["admin"], reads_cache=True),
    ]
    anonymous = Browser(base_url)
    token = anonymous.csrf_token("/auth/login")
    login = Call("POST", "/auth/login", anonymous.cookie,
                 urlencode({"email": fixtures["professional"], "password": password, "csrf_token": token}))
    result.append(Endpoint("login", "login POST", "/auth/login", [login], login, [login], kind="login",
                           expected_status=302, reference="argon2"))
    result += [_booking(fixtures, mentees), _enrolment(fixtures, mentees), _answers(fixtures, mentees),
               _attendance(fixtures, named["trainer"]), _personal_data(professional)]
    wanted = ONLY | {"hello"} | {e.reference for e in result if e.name in ONLY}
    return [e for e in result if not ONLY or e.name in wanted]


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
    return _unique("booking", "booking POST", "/mentoring/programmes/<id>/mentors/<id>/book", calls)


def _enrolment(fixtures: dict, mentees: list[Browser]) -> Endpoint:
    """Every call enrols a mentee in a cohort they are not in yet; cohorts fill and then waitlist."""
    cohorts, tokens = fixtures["open_cohort_ids"], _tokens(mentees)
    calls = [Call("POST", f"/cohorts/{cohorts[index % len(cohorts)]}/enrol", mentees[index // len(cohorts)].cookie,
                  urlencode({"csrf_token": tokens[index // len(cohorts)]}))
             for index in range(len(cohorts) * len(mentees))]
    return _unique("enrolment", "enrolment POST", "/cohorts/<id>/enrol", calls)


def _unique(name: str, label: str, route: str, calls: list[Call]) -> Endpoint:
    # The last call is the probe, the first few hundred warm the workers up; wrk gets the rest.
    warmup = min(300, len(calls) // 10)
    return Endpoint(name, label, route, calls[warmup:-1], calls[-1], calls[:warmup], kind="write",
                    expected_status=302, is_unique=True)


def _answers(fixtures: dict, mentees: list[Browser]) -> Endpoint:
    """Mentees answer the group sessions they are invited to: every session and mentee accepts, then
    every one declines, and round again, so each call changes an answer."""
    tokens, sessions = _tokens(mentees), fixtures["group_session_ids"]
    calls = [Call("POST", f"/mentoring/sessions/{session}/respond", mentee.cookie,
                  urlencode({"partstat": answer, "csrf_token": token}))
             for answer in ("ACCEPTED", "DECLINED") for mentee, token in zip(mentees, tokens) for session in sessions]
    return _repeated("group_answer", "answering a group session", "/mentoring/sessions/<id>/respond", calls)


def _attendance(fixtures: dict, trainer: Browser) -> Endpoint:
    """The trainer marks one participant at a time (htmx, as the attendance page does): everyone present at
    each session, then everyone absent, and round again."""
    cohort, token = fixtures["roster_cohort_id"], None
    sessions, enrolments = fixtures["roster_session_ids"], fixtures["roster_enrolment_ids"]
    token = trainer.csrf_token(f"/trainer/cohorts/{cohort}/sessions/{sessions[0]}/attendance")
    calls = [Call("POST", f"/trainer/cohorts/{cohort}/sessions/{session}/attendance", trainer.cookie,
                  urlencode({"enrolment_id": enrolment, "present": present, "csrf_token": token}),
                  "HX-Request: true")
             for present in ("1", "0") for session in sessions for enrolment in enrolments]
    return _repeated("attendance", "marking attendance (htmx)", "/trainer/cohorts/<id>/sessions/<id>/attendance",
                     calls, expected_status=200)


def _personal_data(professional: Browser) -> Endpoint:
    call = Call("POST", "/account/personal-data", professional.cookie,
                urlencode({"csrf_token": professional.csrf_token("/account/privacy")}))
    return Endpoint("personal_data", "personal-data export (ZIP)", "/account/personal-data", [call], call, [call],
                    kind="download")


def _repeated(name: str, label: str, route: str, calls: list[Call], expected_status: int = 302) -> Endpoint:
    """Writes whose calls may be sent again once the list has gone round (each undoes the one before)."""
    return Endpoint(name, label, route, calls, calls[-1], calls[:300], kind="write", expected_status=expected_status)


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
        # The settings the README's Performance section asks production servers for, on this database only.
        for setting, value in PRODUCTION_SETTINGS.items():
            connection.execute(f'ALTER DATABASE "{name}" SET {setting} = {value}')
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


def cache_url(scale: int) -> str:
    return f"{REDIS_URL}/{CACHE_DATABASES[scale]}"


def empty_cache(scale: int) -> None:
    """Empties the scale's Redis database: kept figures, pages and rate-limit counters."""
    import redis

    redis.Redis.from_url(cache_url(scale)).flushdb()


def signing_keys() -> str:
    """A certificate signing key as production needs one (bench/out/keys, mode 0600), made on the first run."""
    from learnhub.certification.keys import generate_key, load_keys

    directory = OUT / "keys"
    if not load_keys(directory):
        generate_key(directory)
    return str(directory)


def app_environment(database_url: str, scale: int, setting: str, port: int) -> dict:
    env = os.environ | {
        "LEARNHUB_ENV": "production",  # secure cookies are fine: set-up and wrk send cookies themselves
        "DATABASE_URL": database_url, "SECRET_KEY": "bench-secret-key", "BASE_URL": f"http://127.0.0.1:{port}",
        "LEARNHUB_BENCH": "1",  # X-Query-Count and the bench routes
        "MAIL_SEND_AFTER_REQUEST": "0",  # queued in the outbox, as in production (the worker sends)
        # Rate limits are shared through Redis, as production requires (it refuses per-process limits).
        "RATELIMIT_STORAGE_URI": cache_url(scale),
        # One client address makes every request: the limits would measure 429 pages instead.
        "LOGIN_RATE_LIMIT": "1000000 per minute", "MAIL_RATE_LIMIT": "1000000 per minute",
        "VERIFY_RATE_LIMIT": "1000000 per minute",
        "CREDENTIAL_KEYS_DIR": signing_keys(),  # production refuses to start without one
    }
    env.pop("CACHE_REDIS_URL", None)
    if setting == CACHED:  # the shared cache of the production set-up (README, Production 5)
        env["CACHE_REDIS_URL"] = cache_url(scale)
    return env


def start_gunicorn(env: dict, port: int, log_path: Path) -> subprocess.Popen:
    log_path.unlink(missing_ok=True)  # gunicorn appends; each run's log starts empty
    # The production settings (deploy/gunicorn.conf.py), except that slow pages are measured rather than
    # killed, and workers are not recycled, so each one's peak memory is that of the whole run.
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", *(["-c", str(GUNICORN_CONFIG)] if GUNICORN_CONFIG.exists() else []),
         "--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}", "--timeout", "120", "--max-requests", "0",
         "--error-logfile", str(log_path), "learnhub:create_app(migrations=False)"],
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


@dataclass
class Server:
    process: subprocess.Popen
    url: str
    env: dict = field(repr=False)


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


def run_wrk(base_url: str, calls: list[Call], seconds: float) -> dict:
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
    result = {"label": endpoint.label, "route": endpoint.route, "kind": endpoint.kind,
              "probe_status": answer.status, "probe_ms": round((time.perf_counter() - started) * 1000),
              "queries": int(answer.headers.get("X-Query-Count", -1))}
    if answer.status == 404 and endpoint.expected_status != 404:
        result["missing"] = True
    elif answer.status != endpoint.expected_status:
        result["broken"] = True
    return result


def load(endpoint: Endpoint, server: Server, seconds: float) -> dict:
    result = run_wrk(server.url, endpoint.calls, seconds)
    endpoint.consume(result["requests"])
    wait_until_idle(server.url)
    return result


def _median(runs: list[dict], key: str) -> float:
    return round(statistics.median(run[key] for run in runs), 3)


def measure(by_scale: dict[int, Endpoint], references: dict[int, dict[str, Endpoint]],
            servers: dict[tuple[int, str], Server]) -> dict[tuple[int, str], dict]:
    """One endpoint at both scales and in each cache setting: probe, warm up, then ROUNDS rounds of
    (reference run, endpoint run) pairs, the scales and settings taking turns."""
    settings = by_scale[1].settings
    results = {(scale, setting): probe(endpoint, servers[scale, setting].url)
               for scale, endpoint in by_scale.items() for setting in settings}
    if any(result.get("missing") or result.get("broken") for result in results.values()):
        return results
    warm = []
    for (scale, setting) in results:
        warm.append(run_wrk(servers[scale, setting].url, by_scale[scale].warmup, WARMUP_SECONDS))
        wait_until_idle(servers[scale, setting].url)
    seconds = SLOW_SECONDS if min(run["requests_per_second"] for run in warm) < SLOW_RATE else SECONDS
    pairs: dict[tuple[int, str], list[tuple[dict, dict]]] = {key: [] for key in results}
    for _round in range(ROUNDS):
        for (scale, setting) in results:
            server = servers[scale, setting]
            reference = load(references[scale][by_scale[scale].reference], server, seconds)
            pairs[scale, setting].append((reference, load(by_scale[scale], server, seconds)))
    for key, runs in pairs.items():
        pages = [page for _reference, page in runs]
        results[key] |= {
            "ratio": round(statistics.median(page["requests_per_second"] / reference["requests_per_second"]
                                             for reference, page in runs), 3),
            "requests_per_second": _median(pages, "requests_per_second"),
            "reference_requests_per_second": _median([reference for reference, _page in runs], "requests_per_second"),
            "p50_ms": _median(pages, "p50_ms"), "p95_ms": _median(pages, "p95_ms"), "p99_ms": _median(pages, "p99_ms"),
            "runs": [{"reference": reference, "page": page} for reference, page in runs],
        }
    return results


def _progress(name: str, scale: int, setting: str, result: dict) -> str:
    where = f"{name:20} ×{scale:<2} {setting:8}"
    if result.get("missing") or result.get("broken"):
        state = "missing" if result.get("missing") else "BROKEN"
        return f"   {where} {state}: HTTP {result['probe_status']}"
    return (f"   {where} ratio {result['ratio']:6.3f}  {result['requests_per_second']:7.1f} req/s  "
            f"p95 {result['p95_ms']:7.1f} ms  {result['queries']:3} queries")


def alone(server: Server, call: Call, times: int) -> list[int]:
    """How long `call` takes with nothing else going on, `times` times in a row (milliseconds)."""
    result = []
    for _attempt in range(times):
        started = time.perf_counter()
        fetch(server.url, call)
        result.append(round((time.perf_counter() - started) * 1000))
    return result


def cold_dashboard(scale: int, server: Server, admin_cookie: str) -> list[int]:
    """The institute dashboard's first request with an empty cache, three times (the cache emptied each time)."""
    times = []
    for _attempt in range(3):
        empty_cache(scale)
        started = time.perf_counter()
        answer = fetch(server.url, Call("GET", "/reports/", admin_cookie))
        if answer.status != 200:
            raise RuntimeError(f"the institute dashboard answered HTTP {answer.status}")
        times.append(round((time.perf_counter() - started) * 1000))
    return times


def flask_command(env: dict, *arguments: str) -> str:
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "learnhub", *arguments], env=env,
                            cwd=BENCH.parent, capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"flask {' '.join(arguments)} failed:\n{result.stderr}")
    return result.stdout


def curriculum_import(env: dict) -> dict:
    """Every learning set of curriculum/ imported as new (the bench's sets have other names)."""
    started = time.perf_counter()
    output = flask_command(env, "curriculum", "import", str(BENCH.parent / "curriculum"))
    return {"seconds": round(time.perf_counter() - started, 2), "sets": len(list((BENCH.parent / "curriculum").glob(
        "*/learning-set.yaml"))), "output_lines": len(output.splitlines())}


def mail_round(env: dict) -> dict:
    """`mail send-pending` of INVITATIONS queued group invitations, to an SMTP server on localhost that
    accepts everything (bench/mail_sink.py)."""
    port = free_port()
    sink = subprocess.Popen([sys.executable, str(BENCH / "mail_sink.py"), str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        mail_env = env | {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(port), "MAIL_USE_TLS": "0",
                          "MAIL_SEND_SECONDS": "600"}
        # A first round queues and sends what is due anyway (reminders, expiry warnings): the timed one
        # then sends the invitations alone.
        flask_command(mail_env, "mail", "send-pending")
        queued = json.loads(subprocess.run([sys.executable, str(BENCH / "mail_queue.py"), str(INVITATIONS)],
                                           env=mail_env, cwd=BENCH.parent, capture_output=True, text=True,
                                           check=True).stdout)
        started = time.perf_counter()
        output = flask_command(mail_env, "mail", "send-pending")
        seconds = time.perf_counter() - started
    finally:
        sink.terminate()
        sink.wait(timeout=10)
    sent = int(re.search(r"sent (\d+)", output).group(1))
    return {"queued": queued["queued"], "sent": sent, "seconds": round(seconds, 2),
            "messages_per_second": round(sent / seconds, 1)}


def bench(anchor: str) -> dict:
    """Both scales served at once, each with and without the shared cache, and measured endpoint by endpoint."""
    fixtures, servers, plans = {}, {}, {}
    for scale, name in DATABASES.items():
        print(f"== seeding {name} (×{scale})", flush=True)
        fixtures[scale] = seed(reset_database(name), scale, anchor)
        print(f"   {sum(fixtures[scale]['rows'].values()):,} rows in {fixtures[scale]['seed_seconds']} s", flush=True)
    try:
        for scale, name in DATABASES.items():
            empty_cache(scale)
            for setting in (CACHED, UNCACHED):
                port = free_port()
                env = app_environment(f"{SERVER_URL}/{name}", scale, setting, port)
                log = OUT / f"gunicorn-x{scale}{'-uncached' if setting == UNCACHED else ''}.log"
                servers[scale, setting] = Server(start_gunicorn(env, port, log), f"http://127.0.0.1:{port}", env)
            plans[scale] = endpoints(servers[scale, CACHED].url, fixtures[scale])
        print(f"== measuring ({WORKERS} gunicorn workers per server; load average {_load_average()})", flush=True)
        references = {scale: {e.name: e for e in plan if e.name in ("hello", "argon2")} for scale, plan in plans.items()}
        results: dict[int, dict] = {scale: {} for scale in DATABASES}
        for position, endpoint in enumerate(plans[1]):
            for (scale, setting), result in measure({scale: plans[scale][position] for scale in DATABASES},
                                                    references, servers).items():
                results[scale].setdefault(endpoint.name, {})[setting] = result
                print(_progress(endpoint.name, scale, setting, result), flush=True)
        rss = {scale: {str(pid): peak_rss_mb(pid) for setting in (CACHED, UNCACHED)
                       for pid in workers_of(servers[scale, setting].process.pid)} for scale in DATABASES}
        extras = {}
        if not ONLY or "history_feed" in ONLY:
            print("== the feed of a 5,000-session history, alone and built each time (no cache)", flush=True)
            for scale in DATABASES:
                history = next(e for e in plans[scale] if e.name == "history_feed")
                extras[f"history_feed_ms_x{scale}"] = alone(servers[scale, UNCACHED], history.probe, 10)
                print(f"   ×{scale}: {extras[f'history_feed_ms_x{scale}']} ms", flush=True)
        if not ONLY or "cold_dashboard" in ONLY:
            print("== the institute dashboard with an empty cache", flush=True)
            for scale in DATABASES:
                # As the worker keeps them in production (each round, when REPORT_CACHE_SECONDS old).
                flask_command(servers[scale, CACHED].env, "reports", "refresh")
                admin = Browser(servers[scale, CACHED].url).log_in(fixtures[scale]["admin"], fixtures[scale]["password"])
                extras[f"cold_dashboard_ms_x{scale}"] = cold_dashboard(scale, servers[scale, CACHED], admin.cookie)
                print(f"   ×{scale}: {extras[f'cold_dashboard_ms_x{scale}']} ms", flush=True)
        if not ONLY or "commands" in ONLY:
            print("== curriculum import and mail send-pending (×1)", flush=True)
            extras["curriculum_import"] = curriculum_import(servers[1, CACHED].env)
            extras["mail"] = mail_round(servers[1, CACHED].env)
            print(f"   {extras['curriculum_import']}\n   {extras['mail']}", flush=True)
    finally:
        for server in servers.values():
            server.process.send_signal(signal.SIGTERM)
            server.process.wait(timeout=60)
        if not ONLY:
            for name in DATABASES.values():  # ×10 takes several hundred MB; nothing needs it afterwards
                drop_database(name)
    return {"scales": {f"x{scale}": {"seed_seconds": fixtures[scale]["seed_seconds"], "rows": fixtures[scale]["rows"],
                                     "peak_rss_mb": rss[scale], "endpoints": results[scale]} for scale in DATABASES},
            **extras}


def _load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# --- results -----------------------------------------------------------------------------------------

def _measured(result: dict | None) -> bool:
    return bool(result) and "ratio" in result


def rows_of(scales: dict) -> list[dict]:
    """One row per endpoint and cache setting, ×1 beside ×10."""
    rows = []
    x1, x10 = scales["x1"]["endpoints"], scales["x10"]["endpoints"]
    for name, settings in x1.items():
        for setting, one in settings.items():
            ten = x10[name][setting]
            row = {"name": name, "setting": setting, "label": one["label"], "route": one["route"], "kind": one["kind"],
                   "x1": one, "x10": ten}
            if _measured(one) and _measured(ten):
                row["p95_ratio"] = round(ten["p95_ms"] / one["p95_ms"], 2)
            rows.append(row)
    return rows


def targets(rows: list[dict], report: dict) -> list[dict]:
    def verdict(name: str, passed: bool, detail: str) -> dict:
        return {"target": name, "result": "PASS" if passed else "FAIL", "detail": detail}

    def below(kind: str, setting: str, floor: float) -> list[str]:
        return [f"{r['name']} {min(r['x1']['ratio'], r['x10']['ratio']):.3f}" for r in rows
                if r["kind"] == kind and r["setting"] == setting and "p95_ratio" in r
                and r["name"] != "hello" and min(r["x1"]["ratio"], r["x10"]["ratio"]) < floor]

    measured = [r for r in rows if "p95_ratio" in r]
    unmeasured = sorted({f"{r['name']} ({'missing' if r['x1'].get('missing') else 'broken'})"
                         for r in rows if "p95_ratio" not in r})
    by_name = {(r["name"], r["setting"]): r for r in rows}
    # A page that never reads the cache has one figure, which counts for both set-ups.
    uncached = {r["name"] for r in rows if r["setting"] == UNCACHED}
    slow_reads = below("read", CACHED, READ_RATIO)
    floor_reads = below("read", UNCACHED, UNCACHED_FLOOR) + [
        item for item in below("read", CACHED, UNCACHED_FLOOR) if item.split()[0] not in uncached]
    slow_writes = below("write", CACHED, WRITE_RATIO)
    login = by_name.get(("login", CACHED))
    unequal = [f"{r['name']} ({r['setting']}) {r['x1']['queries']} → {r['x10']['queries']}"
               for r in measured if r["x1"]["queries"] != r["x10"]["queries"]]
    p95 = [f"{r['name']} ({r['setting']}) {r['p95_ratio']}" for r in measured
           if r["p95_ratio"] > P95_RATIO and r["name"] != "hello"]
    rss = max(v for scale in report["scales"].values() for v in scale["peak_rss_mb"].values())
    result = [
        verdict(f"pages that read ≥ {READ_RATIO} of hello's requests/s at ×1 and ×10, with the shared cache",
                not slow_reads, "; ".join(slow_reads) or "all reads"),
        verdict(f"pages that read ≥ {UNCACHED_FLOOR} of hello's requests/s without the shared cache",
                not floor_reads, "; ".join(floor_reads) or "all reads"),
        verdict(f"pages that write ≥ {WRITE_RATIO} of hello's requests/s", not slow_writes,
                "; ".join(slow_writes) or "all writes"),
    ]
    if login and "p95_ratio" in login:
        worst = min(login["x1"]["ratio"], login["x10"]["ratio"])
        result.append(verdict(f"login ≥ {LOGIN_RATIO} × the requests/s of a bare Argon2id check of the same hash",
                              worst >= LOGIN_RATIO, f"{login['x1']['ratio']:.2f} (×1), {login['x10']['ratio']:.2f} "
                              f"(×10); p95 at {CONNECTIONS} connections {login['x1']['p95_ms']:.0f} / "
                              f"{login['x10']['p95_ms']:.0f} ms"))
    if "cold_dashboard_ms_x10" in report:
        cold = statistics.median(report["cold_dashboard_ms_x10"])
        result.append(verdict(f"institute dashboard with an empty cache < {COLD_DASHBOARD_SECONDS:g} s at ×10",
                              cold < COLD_DASHBOARD_SECONDS * 1000, f"median {cold:.0f} ms of "
                              f"{report['cold_dashboard_ms_x10']} (×1: {report['cold_dashboard_ms_x1']})"))
    if "history_feed_ms_x10" in report:
        history = statistics.median(report["history_feed_ms_x10"])
        result.append(verdict(f"feed of a 5,000-session history served in < {FEED_MS} ms at ×10 (built each time)",
                              history < FEED_MS, f"median {history:.0f} ms of {report['history_feed_ms_x10']} "
                              f"(×1: {report['history_feed_ms_x1']})"))
    result += [
        verdict("SQL queries per request equal at ×1 and ×10", not unequal, "; ".join(unequal) or "all equal"),
        verdict(f"p95 at ×10 ≤ {P95_RATIO} × p95 at ×1", not p95, "; ".join(p95) or "all within"),
        verdict(f"peak RSS per worker < {RSS_MB} MB", rss < RSS_MB, f"highest {rss} MB"),
    ]
    if unmeasured:
        result.append({"target": "endpoints measured", "result": "MISSING", "detail": ", ".join(unmeasured)})
    return result


def _statuses(result: dict) -> str:
    total: dict[str, int] = {}
    for run in result["runs"]:
        for status, count in run["page"]["statuses"].items():
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
        f"Run {report['generated_at']} by `make bench` (bench/run.py) on {setup['cores']} cores; load average "
        f"{setup['load_average_before']} before and {setup['load_average_after']} after (other work on the "
        f"machine: the ratios below are what to read, not the absolute figures). PostgreSQL with the README's "
        f"settings ({', '.join(f'{k} = {v}' for k, v in PRODUCTION_SETTINGS.items())}), gunicorn with "
        f"{setup['workers']} sync workers per server, wrk with {setup['threads']} threads and "
        f"{setup['connections']} connections. Each scale is served twice: with the shared Redis cache of the "
        "production set-up (*cache*) and without it (*no cache*: nothing kept between requests but report "
        "figures and certificate PDFs, which each worker keeps for itself); endpoints that read nothing from the "
        "cache (*reads none*) are the same in both and measured once. ×1 is 50 organisations, 5,000 professionals, 60 learning "
        "sets, 200 cohorts, 50,000 enrolments, 20,000 mentoring sessions and 10,000 certificates (bench/seed.py); "
        "×10 is ten times that. For every endpoint, scale and setting the bench alternates its reference (hello, "
        f"or for login a bare Argon2id check of the same hash) and the endpoint in runs of {setup['seconds']} s "
        f"({SLOW_SECONDS} s for endpoints under {SLOW_RATE} requests/s while warming up), "
        f"{setup['rounds']} rounds, after a {WARMUP_SECONDS} s warm-up; each round gives a ratio of requests/s, "
        "and the table shows the median ratio and the median requests/s and latencies of the endpoint's runs. "
        "Queries are those of one request sent alone before the warm-up.", "",
        "| endpoint | route | cache | ratio ×1 | ratio ×10 | req/s ×1 | req/s ×10 | p50 / p95 / p99 ms ×1 | "
        "p50 / p95 / p99 ms ×10 | queries ×1 / ×10 | p95 ×10/×1 |",
        "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    both = {row["name"] for row in report["endpoints"] if row["setting"] == UNCACHED}
    for row in report["endpoints"]:
        one, ten = row["x1"], row["x10"]
        setting = row["setting"] if row["name"] in both or row["kind"] != "read" else "reads none"
        if "p95_ratio" not in row:
            state = ("missing (404)" if one.get("missing") or ten.get("missing")
                     else f"broken (HTTP {one['probe_status']}, {ten['probe_status']})")
            lines.append(f"| {row['label']} | `{row['route']}` | {setting} | {state} | | | | | | | |")
            continue
        lines.append(
            f"| {row['label']} | `{row['route']}` | {setting} | {one['ratio']:.3f} | {ten['ratio']:.3f} | "
            f"{_rate(one['requests_per_second'])} | {_rate(ten['requests_per_second'])} | {_latency(one)} | "
            f"{_latency(ten)} | {one['queries']} / {ten['queries']} | {row['p95_ratio']:.2f} |")
    lines += ["", "Login is compared with the bare Argon2id check, every other row with hello. Status codes "
              "received (POSTs make real changes: each booking takes a distinct free slot, each enrolment a new "
              "person–cohort pair, answers and attendance marks alternate; 302 is success, 409 a refusal):", ""]
    for row in report["endpoints"]:
        if "p95_ratio" in row:
            lines.append(f"- {row['label']} ({row['setting']}): ×1 {_statuses(row['x1'])}, ×10 {_statuses(row['x10'])}")
    scales = report["scales"]
    lines += ["", "Peak RSS per gunicorn worker (VmHWM, MB, both servers of a scale): "
              f"×1 {sorted(scales['x1']['peak_rss_mb'].values())}, ×10 {sorted(scales['x10']['peak_rss_mb'].values())}.",
              ""]
    if "cold_dashboard_ms_x1" in report:
        lines.append(f"Institute dashboard, first request with an empty cache (three times, emptied each time): "
                     f"×1 {report['cold_dashboard_ms_x1']} ms, ×10 {report['cold_dashboard_ms_x10']} ms.")
    if "history_feed_ms_x1" in report:
        lines.append(f"The feed of a mentee with a 5,000-session history (the past year and two months ahead: "
                     f"1,276 events), alone and built each time: ×1 {report['history_feed_ms_x1']} ms, ×10 "
                     f"{report['history_feed_ms_x10']} ms.")
    if "curriculum_import" in report:
        imported, mail = report["curriculum_import"], report["mail"]
        lines.append(f"`curriculum import` of all {imported['sets']} learning sets of curriculum/ (×1): "
                     f"{imported['seconds']:.1f} s. `mail send-pending` of {mail['queued']:,} queued group "
                     f"invitations (×1, to an SMTP server on localhost): {mail['sent']:,} sent in "
                     f"{mail['seconds']:.1f} s, {mail['messages_per_second']:.0f} messages/s.")
    micro = report.get("mentoring_micro")
    if micro:
        lines.append(f"bench/mentoring.py (SQLite, one mentor with {micro['sessions']:,} sessions): free slots in "
                     f"{micro['free_slots_seconds'] * 1000:.0f} ms, the mentee's feed ({micro['feed_events']:,} events)"
                     f" in {micro['feed_seconds']:.2f} s, an unchanged one answered in "
                     f"{micro['unchanged_feed_seconds'] * 1000:.1f} ms.")
    lines += ["", f"Seeding took {scales['x1']['seed_seconds']} s (×1) and {scales['x10']['seed_seconds']} s (×10); "
              f"the whole run {report['total_seconds']:.0f} s.", "", "## Targets", "", "| target | result | detail |",
              "|---|---|---|"]
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
    measured = bench(anchor)
    load_after = _load_average()
    micro = None
    if not ONLY:
        print("\n== mentoring micro-benchmark (bench/mentoring.py)", flush=True)
        subprocess.run([sys.executable, str(BENCH / "mentoring.py")], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        micro = json.loads((OUT / "mentoring.json").read_text())
    total = time.perf_counter() - started
    rows = rows_of(measured["scales"])
    report = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "setup": {"cores": os.cpu_count(), "workers": WORKERS, "threads": THREADS, "connections": CONNECTIONS,
                  "seconds": SECONDS, "rounds": ROUNDS, "load_average_before": load_before,
                  "load_average_after": load_after},
        "endpoints": rows, **measured, "mentoring_micro": micro, "total_seconds": round(total, 1),
    }
    report["targets"] = targets(rows, report)
    if ONLY:  # a partial run: shown, never written over the full results
        print(json.dumps(report["targets"], indent=1, ensure_ascii=False))
        return
    (BENCH / "results.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    (BENCH / "results.md").write_text(markdown(report))
    print(f"\nbench/results.md and bench/results.json written after {total:.0f} s\n")
    for target in report["targets"]:
        print(f"{target['result']:8} {target['target']}: {target['detail']}")


if __name__ == "__main__":
    main()
