"""Layer 3 · wording: every sentence and label a person reads, in French and English.

See docs/style-fr.md; no other layer tests the language."""
