"""What answers without a case: tracking for petitioners, the unit tree, health."""
