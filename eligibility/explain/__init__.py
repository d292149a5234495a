"""Layer 7 · explain: derivations of verdicts as plain data, for every renderer."""
