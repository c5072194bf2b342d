"""Gunicorn settings for production: `gunicorn -c python:marketplace.ops.gunicorn_config wsgi:app`.

Each value can be changed with an environment variable of the same name in capitals with a
GUNICORN_ prefix (GUNICORN_WORKERS=4 …).
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Synchronous workers: on a 2-core machine threads gave no gain (see the benchmarks).
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, so a slow leak never grows into an outage.
max_requests = 2000
max_requests_jitter = 200
# Each worker starts its own database pool and index writer thread; threads do not survive
# a fork, so the application is loaded in each worker, not before forking.
preload_app = False
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
