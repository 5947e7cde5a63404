"""The code blocks of docs/extensions.md (and the patch line in docs/from-flask.md) run."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

RunScript = Callable[..., str]

DOCS = Path(__file__).resolve().parents[2] / "docs"
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


@pytest.mark.parametrize(("page", "count"), [("extensions.md", 1), ("from-flask.md", 1)])
def test_every_block_runs_in_its_own_interpreter(
    run_script: RunScript, page: str, count: int
) -> None:
    blocks = _BLOCK.findall((DOCS / page).read_text())
    assert len(blocks) == count
    for source in blocks:
        out = run_script(
            source + "\nimport flask, asyncflask\nassert flask is asyncflask\nprint('ok')\n"
        )
        assert out.strip() == "ok"
