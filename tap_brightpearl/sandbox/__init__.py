"""A local Brightpearl API server with seeded data (standard library only)."""
