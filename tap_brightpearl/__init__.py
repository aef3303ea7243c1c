"""tap-brightpearl: a Singer tap for Brightpearl (by Sage)."""
