"""``python -m benchmarks``: run the benchmark suite."""

from __future__ import annotations

import sys

try:
    from benchmarks.run import main
except ModuleNotFoundError as exc:
    sys.exit(
        f"error: {exc.name} is not installed: install asyncflask with the benchmark extras, "
        "`pip install -e '.[bench]'`"
    )

raise SystemExit(main())
