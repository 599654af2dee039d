"""Claims: section4 (being written)."""
