"""gunicorn settings for LearnHub: `gunicorn -c deploy/gunicorn.conf.py` from the project folder.

Settings given on the command line win over these (e.g. `-b 0.0.0.0:8000 -w 4`).
"""

import multiprocessing
import os

wsgi_app = "learnhub:create_app(migrations=False)"  # workers never migrate: `flask db upgrade` does
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Sync workers: each handles one request at a time with its own database connection. Two per core
# plus one keeps the cores busy while some workers wait on PostgreSQL.
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
worker_class = "sync"

timeout = 30  # a worker silent this long is killed and replaced (no page should take seconds)
graceful_timeout = 30  # on SIGTERM or a reload, requests in progress get this long to finish
keepalive = 5  # seconds an idle connection from the reverse proxy stays open

# Restart each worker after a while, so memory that a long-lived process accumulates is given back.
max_requests = 2000
max_requests_jitter = 200

# The app writes one structured line per request itself; gunicorn's access log would repeat it.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# X-Forwarded-* headers are interpreted by the app (TRUSTED_PROXY_COUNT), not by gunicorn.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
