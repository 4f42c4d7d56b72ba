"""Post-it boards (issue 8)."""
