"""Layer 7 · lint: static consistency checks of a catalog (schema, sources, satisfiability)."""
