"""The ceiling for bench/load.py: the least a Flask app can do under the same gunicorn setup."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "ok"
