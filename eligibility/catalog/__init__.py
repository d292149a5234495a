"""Layer 2 · catalog: the rules as data (bricks, conditions, versions, facts), loaded and frozen.

Nothing here evaluates a profile; the catalog answers lookups (rules, labels, requirement
closure, withdrawn bricks) for the layers above."""
