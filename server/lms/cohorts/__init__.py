"""Cohorts (회차/기수), their class sessions and staff: the API behind /admin/cohorts."""
