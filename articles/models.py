"""Models for the articles app."""
