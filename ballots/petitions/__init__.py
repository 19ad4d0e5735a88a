"""Petitions: signing with a confirmation email (double opt-in), the public page with
its live count, and structure tests whose progress is the confirmed signatures.
The models are in ``ballots/models/petitions.py``."""
