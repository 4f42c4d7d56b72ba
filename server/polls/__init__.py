"""Anonymous live Q&A and polls (issue 7)."""
