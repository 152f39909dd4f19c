"""Certificates: eligibility from recorded facts, issuance, documents, public verification, CPD and organisation status."""
