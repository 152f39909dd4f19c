"""Cohorts of a learning set: sessions, enrolment with capacity and waitlist, attendance, evaluations."""
