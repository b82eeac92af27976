"""elog."""
