"""Layer 9 · reports: renderers (text, markdown, JSON, HTML, CSV, graphs); they only format."""
