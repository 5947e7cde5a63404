"""asyncflask: an ASGI-native, async-first web framework with Flask's API."""
