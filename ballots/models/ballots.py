"""Ballots, the units each covers (with the numbers entitled to vote) and action days."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse

from ballots.models.units import BargainingUnit, UnitBranch
from members.models import Branch
from members.scoping import scope_for


class BallotQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Return ballots covering at least one unit this organiser may see."""
        units = BargainingUnit.objects.visible_to(user)
        return self.filter(Exists(BallotUnit.objects.filter(ballot=OuterRef("pk"), unit__in=units)))

    def wholly_visible_to(self, user):
        """Return ballots with nothing outside this organiser's scope: every unit, every
        branch of those units and every branch that has sent a return is theirs. Only
        these may they change or delete: a shared ballot's dates are every unit's legal
        clock, and deleting it deletes its units' entitlements and all its returns."""
        if scope_for(user).everything:
            return self
        units = BargainingUnit.objects.visible_to(user)
        branches = Branch.objects.visible_to(user)
        # TurnoutReturn's module imports this one: reach the model through the relation.
        returns = self.model._meta.get_field("turnout_returns").related_model
        return (
            self.visible_to(user)
            .exclude(
                Exists(BallotUnit.objects.filter(ballot=OuterRef("pk")).exclude(unit__in=units))
            )
            .exclude(
                # A regional organiser sees a unit with one branch in their region; a
                # unit that also has branches elsewhere is not wholly theirs.
                Exists(
                    UnitBranch.objects.filter(unit__ballot_units__ballot=OuterRef("pk")).exclude(
                        branch__in=branches
                    )
                )
            )
            .exclude(
                Exists(returns.objects.filter(ballot=OuterRef("pk")).exclude(branch__in=branches))
            )
        )


class Ballot(models.Model):
    """A consultative or statutory ballot over one or more bargaining units."""

    class Kind(models.TextChoices):
        CONSULTATIVE = "consultative", "Consultative"
        STATUTORY = "statutory", "Statutory (industrial action)"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.STATUTORY)
    units = models.ManyToManyField(BargainingUnit, through="BallotUnit", related_name="ballots")
    opens_on = models.DateField(help_text="The first day of voting.")
    closes_on = models.DateField(help_text="The last day of voting.")
    replacement_cutoff = models.DateField(
        null=True, blank=True, help_text="Last day to ask for a replacement ballot paper."
    )
    new_member_cutoff = models.DateField(
        null=True, blank=True, help_text="Members who join after this date get no vote."
    )
    notice_of_ballot_sent_on = models.DateField(
        null=True, blank=True, help_text="The date the employer received the notice of ballot."
    )
    sample_paper_sent_on = models.DateField(
        null=True, blank=True, help_text="The date the employer received the sample paper."
    )
    by_agreement = models.BooleanField(
        default=False,
        help_text="Tick if the employer has agreed to the shorter notice / longer mandate "
        "the law allows by agreement.",
    )

    objects = BallotQuerySet.as_manager()

    class Meta:
        ordering = ["-opens_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=F("opens_on")), name="ballot_closes_after_opening"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("ballots:dashboard", args=[self.pk])

    def clean(self):
        if self.opens_on and self.closes_on and self.closes_on < self.opens_on:
            raise ValidationError(
                {
                    "closes_on": "The date the ballot closes must be the same as or after the "
                    f"date it opens ({self.opens_on:%-d %B %Y})"
                }
            )

    @property
    def statutory(self) -> bool:
        return self.kind == self.Kind.STATUTORY

    def wholly_visible_to(self, user) -> bool:
        """Whether every unit and branch in this ballot is in the organiser's scope
        (so they may change its dates and action dates, or delete it)."""
        if scope_for(user).everything:
            return True
        return Ballot.objects.wholly_visible_to(user).filter(pk=self.pk).exists()


class BallotUnit(models.Model):
    """A bargaining unit in a ballot, with the number entitled to vote there."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="ballot_units")
    unit = models.ForeignKey(BargainingUnit, on_delete=models.PROTECT, related_name="ballot_units")
    entitled = models.PositiveIntegerField(
        help_text="Members entitled to vote in this unit (from the notice of ballot)."
    )

    class Meta:
        ordering = ["ballot", "unit"]
        constraints = [
            models.UniqueConstraint(fields=["ballot", "unit"], name="ballotunit_unit_once"),
        ]

    def __str__(self):
        return f"{self.unit} in {self.ballot}"


class ActionDate(models.Model):
    """A planned day of industrial action under a ballot's mandate."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="action_dates")
    starts_on = models.DateField()
    notice_received_on = models.DateField(
        null=True, blank=True, help_text="The date the employer received notice of this action."
    )

    class Meta:
        ordering = ["ballot", "starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["ballot", "starts_on"], name="actiondate_once"),
        ]

    def __str__(self):
        return f"Action on {self.starts_on:%d %b %Y}"
