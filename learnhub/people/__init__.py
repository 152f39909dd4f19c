"""People, provider organisations, municipalities and roles."""
