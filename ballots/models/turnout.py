"""Turnout while a ballot runs: the members of each branch who say they have voted."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import cached_property

from ballots.models.ballots import Ballot, BallotUnit
from ballots.models.figures import EnteredFigures, format_count
from members.models import Branch


class TurnoutReturn(EnteredFigures):
    """How many members of a branch have told us they voted, as of a date (cumulative)."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="turnout_returns")
    branch = models.ForeignKey(Branch, on_delete=models.CASCADE, related_name="turnout_returns")
    counted_on = models.DateField(help_text="The date of the count.")
    voted = models.PositiveIntegerField(help_text="Members who have told us they voted, so far.")

    class Meta:
        ordering = ["ballot", "branch", "-counted_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["ballot", "branch", "counted_on"], name="turnoutreturn_one_per_day"
            ),
        ]
        indexes = [
            models.Index(fields=["ballot", "branch", "-counted_on"], name="turnout_latest_idx")
        ]

    def __str__(self):
        return f"{self.branch}: {self.voted} voted by {self.counted_on:%d %b %Y}"

    @cached_property
    def entitled(self) -> int | None:
        """Members entitled to vote in the branch's unit in this ballot (None if the branch
        is in none of its units). The importers set it for every row from one query."""
        return (
            BallotUnit.objects.filter(
                ballot_id=self.ballot_id, unit__unit_branches__branch_id=self.branch_id
            )
            .values_list("entitled", flat=True)
            .first()
        )

    def clean(self):
        if not self.ballot_id:
            return
        ballot, errors = self.ballot, {}
        if self.counted_on and not ballot.opens_on <= self.counted_on <= ballot.closes_on:
            errors["counted_on"] = (
                f"The date of the count must be between {ballot.opens_on:%-d %B %Y} and "
                f"{ballot.closes_on:%-d %B %Y}, while voting runs"
            )
        if self.branch_id:
            if self.entitled is None:
                errors["branch"] = f"This branch is not in a unit that {ballot} covers"
            elif self.voted is not None and self.voted > self.entitled:
                errors["voted"] = (
                    "Members who have voted cannot be more than the members entitled to vote "
                    f"({format_count(self.entitled)})"
                )
        if errors:
            raise ValidationError(errors)
