"""Interview panels: the member pool and reproducible, audited assignments (issue 10)."""
