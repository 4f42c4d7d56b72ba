"""Course records: catalog, plans, cohorts, class sessions, enrolment, instructors, reports."""
