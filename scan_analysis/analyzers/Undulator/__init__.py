"""analyzers/Undulator."""
