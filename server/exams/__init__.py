"""Recruitment exam rounds, units, panels, question errors, competency assessment (issue 10)."""
