"""Claims: section3 (being written)."""
