"""Outgoing e-mail: an outbox table filled inside the request's transaction, sent afterwards."""
