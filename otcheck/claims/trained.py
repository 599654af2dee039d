"""Claims: trained (being written)."""
