"""Enrolment workflow: applications, approval to capacity, the waitlist, cancellations with
reasons, accommodations, and the enrolment part of the dropout story."""
