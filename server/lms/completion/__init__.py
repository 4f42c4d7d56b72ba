"""Completion (수료): per-course rules, each trainee's result derived from the records with its
explanation, corrections as new entries, finalising a cohort, and certificates."""
