"""Claims: appendix (being written)."""
