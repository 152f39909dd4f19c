"""Accounts: sign-up, log-in sessions, password reset, invitations, access rules."""
