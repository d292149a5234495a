"""Layer 8 · costs: each commune's share of each brick's cost by the single key."""
