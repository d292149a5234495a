"""Layer 8 · costs: each commune's share of each brick's cost by the single key.

``shares`` computes the ``CostReport`` (data); ``eligibility.wording.costs`` says its
amounts and notes, ``eligibility.reports.costs`` lays it out."""
