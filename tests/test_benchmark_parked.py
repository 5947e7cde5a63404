"""The parked-requests memory measurement: real uvicorn servers, a few parked requests each."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from benchmarks import parked
from benchmarks.parked import Memory, ParkedSettings

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/status").exists(), reason="the memory readings come from /proc"
)

SMALL = ParkedSettings(requests=30, warmup_requests=5, settle_seconds=0.1, timeout=30.0)
ENVIRONMENT = {
    "date": "2026-12-06T00:00:00+00:00",
    "commit": "abc1234",
    "python": "CPython 3.11.7",
    "cpu": "test CPU",
    "cores": 2,
}


def test_requests_parked_behind_a_sync_hook_each_hold_a_leased_thread() -> None:
    memory = parked.measure_app("asyncflask", SMALL)

    assert memory.error is None
    assert memory.leased == 30
    assert memory.parked_threads >= memory.idle_threads + 29
    assert memory.parked_kib > memory.idle_kib > 0
    assert memory.released_kib > 0


def test_requests_parked_behind_an_async_hook_hold_no_thread() -> None:
    memory = parked.measure_app("asyncflask-async-hook", SMALL)

    assert memory.error is None
    assert memory.leased == 0
    assert memory.parked_threads == memory.idle_threads


def test_quart_parks_behind_its_sync_hook() -> None:
    pytest.importorskip("quart")
    memory = parked.measure_app("quart", SMALL)

    assert memory.error is None
    assert memory.leased is None


def test_a_server_that_cannot_start_is_reported_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(parked.APPS, "broken", ("no_such_factory", "asyncflask"))

    memory = parked.measure_app("broken", SMALL)

    assert memory.error is not None
    assert "exited" in memory.error


def test_rss_and_threads_are_read_from_proc() -> None:
    started = threading.Event()
    done = threading.Event()

    def idle() -> None:
        started.set()
        done.wait()

    before_kib, before_threads = parked.rss_kib(os.getpid())
    worker = threading.Thread(target=idle)
    worker.start()
    started.wait()
    try:
        _, during_threads = parked.rss_kib(os.getpid())
    finally:
        done.set()
        worker.join()

    assert before_kib > 0
    assert during_threads == before_threads + 1


def test_report_gives_each_idle_leased_thread_its_share() -> None:
    results = [
        Memory("asyncflask", 1000, idle_kib=36_000, parked_kib=64_000, leased=1000),
        Memory("asyncflask-async-hook", 1000, idle_kib=36_000, parked_kib=47_000, leased=0),
        Memory("quart", 1000, error="RuntimeError: boom"),
    ]

    markdown = parked.to_markdown(results, ParkedSettings(), ENVIRONMENT)

    assert "| asyncflask | 35.2 | 62.5 | 0 / 0 | 1,000 | 28.0 |" in markdown
    assert "| quart | FAILED: RuntimeError: boom |" in markdown
    assert "Each idle leased thread: 17.0 KiB" in markdown
    assert '"per_request_kib": 28.0' in parked.results_json(results, SMALL, ENVIRONMENT)
