"""image/steps."""
