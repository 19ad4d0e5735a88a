"""'I've voted': members' own reports that they voted in a ballot.

One row per member and ballot (a second report changes nothing), counted in
the branch the member was in when they reported. A branch's turnout is the
larger of its contact's latest count and its members' own reports, never
their sum: a contact's count may already include the same members
(ballots/selectors.py).
"""

from django.db import models

from ballots.models.ballots import Ballot
from members.models import Branch, Member


class VotePledge(models.Model):
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="pledges")
    member = models.ForeignKey(
        Member,
        on_delete=models.CASCADE,  # erasing the member erases their report
        related_name="vote_pledges",
    )
    branch = models.ForeignKey(
        Branch,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The member's branch when they reported: its turnout counts them.",
    )
    consent_version = models.PositiveSmallIntegerField(
        help_text="The version of the consent wording they agreed to (ballots/consent.py)."
    )
    reported_at = models.DateTimeField()
    reported_on = models.DateField(help_text="The day it counts from.")

    class Meta:
        ordering = ["ballot", "-reported_at"]
        verbose_name = "'I've voted' report"
        constraints = [
            models.UniqueConstraint(fields=["ballot", "member"], name="votepledge_one_per_member"),
        ]
        indexes = [models.Index(fields=["ballot", "branch", "reported_on"], name="pledge_day_idx")]

    def __str__(self):
        # No name: the admin log keeps this label.
        return f"'I've voted' report {self.pk}"
