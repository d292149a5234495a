"""Layer 10 · verify: property-based consistency checks of a catalog (hypothesis)."""
