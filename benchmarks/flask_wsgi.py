"""Flask itself, called directly as a WSGI app: the ``template`` and ``static`` endpoints.

The in-process mode drives ASGI apps only; this gives Flask's cost for the same two
endpoints, measured the same way (no server, requests back to back, pinned to one CPU,
median of repeats), so its microseconds can be read next to that table. Flask is not a
dependency of the project: run this with an interpreter that has Flask installed::

    python -m benchmarks.flask_wsgi [--repeats 7]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from benchmarks.payloads import (
    STATIC_FILE_NAME,
    TEMPLATE_DIR,
    TEMPLATE_NAME,
    TEMPLATE_ROWS,
    TEMPLATE_TITLE,
    static_content,
    static_dir,
    template_page,
)


def _apps() -> dict[str, tuple[Any, str, bytes]]:
    try:
        from flask import Flask, render_template
    except ImportError:
        raise SystemExit(
            "Flask is not installed here: `pip install flask` in a separate venv"
        ) from None

    template_app = Flask(__name__, template_folder=str(TEMPLATE_DIR))

    @template_app.route("/template")
    def page() -> str:
        return render_template(TEMPLATE_NAME, title=TEMPLATE_TITLE, rows=TEMPLATE_ROWS)

    static_app = Flask(__name__, static_folder=str(static_dir()), static_url_path="/static")
    return {
        "template": (template_app, "/template", template_page()),
        "static": (static_app, f"/static/{STATIC_FILE_NAME}", static_content()),
    }


def _environ(path: str) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }


def _call(app: Callable[..., Iterable[bytes]], path: str) -> tuple[str, bytes]:
    status: list[str] = []

    def start_response(code: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        status.append(code)

    result = app(_environ(path), start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return status[0], body


def _jinja_alone() -> Callable[..., Iterable[bytes]]:
    """The template rendered by Jinja alone, as a WSGI app: the floor, as the bare app is."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE_DIR), autoescape=True)
    template = env.get_template(TEMPLATE_NAME)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        body = template.render(title=TEMPLATE_TITLE, rows=TEMPLATE_ROWS).encode()
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [body]

    return app


def measure(repeats: int, batch_seconds: float) -> dict[str, float]:
    """Median microseconds per request for each endpoint (and for Jinja alone)."""
    results: dict[str, float] = {}
    apps = _apps()
    jinja = type("JinjaAlone", (), {"wsgi_app": staticmethod(_jinja_alone())})
    apps["template, Jinja alone"] = (jinja, "/template", template_page())
    samples: dict[str, list[float]] = {name: [] for name in apps}
    for name, (app, path, expected) in apps.items():
        status, body = _call(app.wsgi_app, path)
        if not status.startswith("200") or body != expected:
            raise SystemExit(f"Flask answered {name} wrongly: {status}, {len(body)} bytes")
        deadline = time.perf_counter() + 0.2
        while time.perf_counter() < deadline:  # warm-up
            _call(app.wsgi_app, path)
    # Each repeat times every endpoint once, so a slow spell of the machine hits them alike.
    for _ in range(repeats):
        for name, (app, path, _) in apps.items():
            count = 0
            start = time.perf_counter()
            while time.perf_counter() - start < batch_seconds:
                _call(app.wsgi_app, path)
                count += 1
            samples[name].append((time.perf_counter() - start) / count * 1e6)
    for name, values in samples.items():
        results[name] = statistics.median(values)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and print Flask's microseconds per request."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.flask_wsgi", description=__doc__)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--batch-seconds", type=float, default=0.1)
    parser.add_argument("--core", type=int, default=0, help="pin to this CPU (-1: do not pin)")
    args = parser.parse_args(argv)
    if args.core >= 0 and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.core})
    from importlib.metadata import version

    print(f"Flask {version('flask')}, WSGI called directly; microseconds per request")
    for name, micros in measure(args.repeats, args.batch_seconds).items():
        print(f"| {name} | {micros:,.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
