"""Models for the ballots app."""
