"""Claims: section2 (being written)."""
