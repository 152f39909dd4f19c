"""A person's own data: download everything held about them, and erasure on request."""
