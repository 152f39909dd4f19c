"""Mentoring programmes, group and individual sessions, availability, notes and implementation plans."""
