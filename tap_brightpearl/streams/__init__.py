"""Stream declarations, one module per Brightpearl service (see ``kinds`` for the machinery)."""
