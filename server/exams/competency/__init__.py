"""Competency assessment for grade 4/5 promotion: rounds, assessors, scores, results (issue 10)."""
