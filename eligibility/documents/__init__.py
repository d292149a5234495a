"""Layer 1 · documents: reading files safely (bounded YAML/JSON, CSV cells, xlsx), nothing more.

Every reader refuses what it cannot read exactly, with an error naming the file and the
field; none knows what a profile or a catalog is."""
