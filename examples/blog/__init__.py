"""A small blog: sessions, flash messages, template inheritance and a static stylesheet."""
