"""Email broadcasts (issue #19)."""
