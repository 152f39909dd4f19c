"""Landing page, dashboard, language switch and health check."""
