"""Reports and insights: programme outcomes by municipality, service type and learning set."""
