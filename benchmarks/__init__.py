"""asyncflask's benchmarks: the same endpoints in bare ASGI, Starlette, FastAPI, Quart, asyncflask.

Run ``python -m benchmarks --help``; ``benchmarks/README.md`` explains the modes.
"""
