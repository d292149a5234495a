"""Layer 4 · profile: a commune profile (pydantic, strict), read from a file, and the facts it gives.

A fact the profile leaves out is unknown, never zero or false."""
