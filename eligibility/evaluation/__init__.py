"""Layer 6 · evaluation: (catalog, profile, date) -> verdicts with reasons and plans.

The reference evaluator is the executable specification; the durable engine must agree."""
