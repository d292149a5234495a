"""Layer 5 · engine: the durable-rules adapter, the only code that imports durable_rules."""
