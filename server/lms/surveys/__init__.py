"""Surveys: satisfaction (per course and per instructor) and on-the-job application (before,
right after, 2-3 months after), answered anonymously, with response rates."""
