"""Layer 4 · profile: a commune profile (strict pydantic), read from a file; its facts.

A fact the profile leaves out is unknown, never zero or false."""
