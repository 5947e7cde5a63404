"""``python -m benchmarks``: run the benchmark suite."""

from __future__ import annotations

from benchmarks.run import main

raise SystemExit(main())
