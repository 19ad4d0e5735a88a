"""Models for the campaign app."""
