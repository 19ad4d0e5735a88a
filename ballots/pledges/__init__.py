"""'I've voted': a member reports through a link emailed to their confirmed address
(asked for with a short form); the report counts in their branch's turnout.
The model is in ``ballots/models/pledges.py``."""
