"""``python -m asyncflask``: the same as the ``asyncflask`` command."""

from .cli import main

main()
