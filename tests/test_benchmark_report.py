"""The benchmark report: the sync targets, the derived ratios and the thread hop table."""

from __future__ import annotations

from benchmarks import report
from benchmarks.results import Result, Run

FRAMEWORKS = ["bare", "starlette", "quart", "asyncflask"]
ENVIRONMENT = {
    "date": "2026-12-06T00:00:00+00:00",
    "commit": "abc1234",
    "python": "CPython 3.11.7",
    "cpu": "test CPU",
    "cores": 2,
}


def _run(mode: str, values: dict[tuple[str, str], float], hops: dict[str, float]) -> Run:
    scenarios = list(dict.fromkeys(scenario for scenario, _ in values))
    run = Run(mode, list(FRAMEWORKS), scenarios, {}, ENVIRONMENT)
    for (scenario, framework), value in values.items():
        extra = {"hops": hops[framework] * (scenario != "plaintext")} if hops else {}
        run.add(Result(framework, scenario, value=value, samples=[value], extra=extra))
    return run


def _inprocess(sync_hooks_cost: float, sync_cost: float = 40.0) -> Run:
    values: dict[tuple[str, str], float] = {}
    for framework, plain, sync, hooks in [
        ("bare", 3.0, 70.0, 210.0),
        ("starlette", 13.0, 100.0, 330.0),
        ("quart", 160.0, 230.0, 700.0),
    ]:
        values["plaintext", framework] = plain
        values["sync", framework] = sync
        values["sync-hooks", framework] = hooks
    values["plaintext", "asyncflask"] = 12.0
    values["sync", "asyncflask"] = sync_cost
    values["sync-hooks", "asyncflask"] = sync_hooks_cost
    return _run("inprocess", values, {"bare": 3, "starlette": 3, "quart": 3, "asyncflask": 1})


def _verdicts(run: Run) -> dict[str, tuple[float | None, str]]:
    return {target.label: (target.value, target.verdict) for target in report.targets(run)}


HOOKS_TARGET = "Sync hooks: cost of a sync view with vs without sync hooks"
SYNC_VS_STARLETTE = "GET /sync (sync view, plain text): cost vs Starlette"


def test_sync_hooks_target_is_at_most_1_3_times_the_sync_view() -> None:
    passing = _verdicts(_inprocess(sync_hooks_cost=52.0))[HOOKS_TARGET]
    failing = _verdicts(_inprocess(sync_hooks_cost=60.0))[HOOKS_TARGET]

    assert passing == (52.0 / 40.0, "PASS")
    assert failing == (60.0 / 40.0, "FAIL")


def test_sync_view_target_is_at_most_0_6_times_starlette_in_process() -> None:
    assert _verdicts(_inprocess(50.0, sync_cost=60.0))[SYNC_VS_STARLETTE] == (0.6, "PASS")
    assert _verdicts(_inprocess(50.0, sync_cost=61.0))[SYNC_VS_STARLETTE][1] == "FAIL"


def test_sync_hooks_target_over_the_network_compares_throughput() -> None:
    values = {("sync", "asyncflask"): 10_000.0, ("sync-hooks", "asyncflask"): 8_000.0}
    run = _run("network", values, {})

    assert _verdicts(run)[HOOKS_TARGET] == (1.25, "PASS")
    assert SYNC_VS_STARLETTE.replace("cost", "throughput") not in _verdicts(run)


def test_markdown_gives_hops_per_request_and_the_hooks_ratio() -> None:
    markdown = report.to_markdown(_inprocess(sync_hooks_cost=48.0))

    assert "Thread hops per request" in markdown
    assert "| GET /sync-hooks (sync view, sync before and after hooks) | 3 | 3 | 3 | 1 |" in (
        markdown
    )
    assert "| GET /sync (sync view, plain text) | 3 | 3 | 3 | 1 |" in markdown
    assert "| GET / (plain text) |" not in markdown.split("Thread hops per request")[1]
    assert "| Sync view with vs without sync hooks | 3.00x | 3.30x | 3.04x | 1.20x |" in markdown
    assert f"| {HOOKS_TARGET} | 1.20 | <= 1.30 | PASS |" in markdown


def test_hop_counts_that_are_not_whole_keep_two_decimals() -> None:
    run = _run(
        "inprocess",
        {("sync", framework): 10.0 for framework in FRAMEWORKS},
        {"bare": 1.5, "starlette": 1, "quart": 0, "asyncflask": 1},
    )

    assert "| GET /sync (sync view, plain text) | 1.50 | 1 | 0 | 1 |" in report.to_markdown(run)
