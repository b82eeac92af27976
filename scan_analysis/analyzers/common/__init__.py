"""analyzers/common."""
