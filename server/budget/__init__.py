"""Budget lines, amendments, commitments, expenditure and execution reports (issue 10)."""
