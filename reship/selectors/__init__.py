"""Reads, always scoped to one organisation, with related rows fetched once. One module per area."""
