"""How URL matching cost grows with the number of rules.

Prints the cost of one ``Map.match`` for a static path, a dynamic path (``/users/42``) and a
404, with 10, 100 and 1,000 rules registered, and exits with status 1 when the dynamic match
with 1,000 rules costs more than 1.25 times the one with 10 rules. Every figure is a median
over timing rounds; the sizes are timed in turn within each round, and the ratios are the
medians of the per-round ratios, so a burst of load elsewhere on the machine skews neither.

    python benchmarks/routing_scaling.py [--repeat 31]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import timeit
from collections.abc import Callable

from asyncflask.exceptions import NotFound
from asyncflask.routing import Map, Rule

SIZES = (10, 100, 1_000)
LIMIT = 1.25
CASES = {
    "static": "/about",
    "dynamic": "/users/42",
    "404": "/nothing/here",
}

# The rules every map has, including the ones the cases hit.
BASE_RULES = [
    ("/", "index"),
    ("/about", "about"),
    ("/users/<int:id>", "user"),
    ("/users/<name>/profile", "profile"),
]

# Filler rules in the shapes real apps use; {i} makes each one distinct.
TEMPLATES = [
    "/static-page-{i}",
    "/api/v1/items{i}/<int:id>",
    "/resource{i}/<name>/detail",
    "/api/v2/orders/<int:order_id>/lines/{i}",
    "/shop/category-{i}/<int:product_id>/reviews/",
    "/files{i}/<path:filename>",
    "/users/<int:id>/section-{i}",
    "/team{i}/<uuid:member>",
    "/<lang>/page-{i}",
    "/blog/{i}/<slug>.html",
    "/reports/{i}/<int(fixed_digits=4):year>/<any(pdf, csv):fmt>",
]


def build_map(size: int) -> Map:
    url_map = Map()
    for rule, endpoint in BASE_RULES:
        url_map.add(Rule(rule, endpoint=endpoint, methods=["GET"]))
    for i in range(size - len(BASE_RULES)):
        template = TEMPLATES[i % len(TEMPLATES)]
        url_map.add(Rule(template.format(i=i), endpoint=f"filler{i}", methods=["GET"]))
    return url_map


def matcher(url_map: Map, path: str) -> Callable[[], object]:
    match = url_map.match

    def run() -> object:
        try:
            return match(path, "GET")
        except NotFound as error:
            return error

    return run


def measure(repeat: int) -> dict[tuple[str, int], list[float]]:
    """Seconds per match for each (case, size), one sample per round."""
    maps = {size: build_map(size) for size in SIZES}
    samples: dict[tuple[str, int], list[float]] = {
        (case, size): [] for case in CASES for size in SIZES
    }
    runners = {
        (case, size): matcher(maps[size], path) for case, path in CASES.items() for size in SIZES
    }
    for run in runners.values():
        run()  # compile the map and warm up
    number = 5_000
    for _ in range(repeat):
        for key, run in runners.items():
            samples[key].append(timeit.timeit(run, number=number) / number)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=31, help="timing rounds (median taken)")
    args = parser.parse_args()

    expected = {
        "static": "about",
        "dynamic": "user",
    }
    for size in SIZES:
        url_map = build_map(size)
        for case, endpoint in expected.items():
            if url_map.match(CASES[case])[0].endpoint != endpoint:
                print(f"{case} path matched the wrong rule with {size} rules", file=sys.stderr)
                return 2

    samples = measure(args.repeat)
    print(f"{'rules':>6} " + " ".join(f"{case:>10}" for case in CASES) + "   (µs per match)")
    for size in SIZES:
        cells = " ".join(
            f"{statistics.median(samples[(case, size)]) * 1e6:10.3f}" for case in CASES
        )
        print(f"{size:>6} {cells}")
    ratios = {
        case: statistics.median(
            large / small
            for large, small in zip(
                samples[(case, SIZES[-1])], samples[(case, SIZES[0])], strict=True
            )
        )
        for case in CASES
    }
    print(
        f"{SIZES[-1]}/{SIZES[0]} rules: "
        + ", ".join(f"{case} {ratio:.2f}x" for case, ratio in ratios.items())
    )
    if ratios["dynamic"] > LIMIT:
        print(
            f"FAIL: the dynamic match costs {ratios['dynamic']:.2f}x more with"
            f" {SIZES[-1]} rules than with {SIZES[0]} (limit {LIMIT}x)",
            file=sys.stderr,
        )
        return 1
    print(f"OK: dynamic match within {LIMIT}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
