"""Structure tests: targets that test the organisation, and progress towards them."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery

from ballots.models.units import BargainingUnit
from members.models import Branch
from members.scoping import scope_for


class StructureTestQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Return tests on branches in scope, or on units this organiser may see."""
        scope = scope_for(user)
        if not scope.members:
            return self.none()
        if scope.everything:
            return self
        units = BargainingUnit.objects.visible_to(user).values("pk")
        return self.filter(Q(branch__isnull=False) & scope.q("branch") | Q(unit__in=units))

    def with_progress(self):
        """Annotate each test with its first and latest progress rows, for ``standing``."""
        progress = StructureTestProgress.objects.filter(test=OuterRef("pk"))
        latest = progress.order_by("-recorded_on", "-id")
        first = progress.order_by("recorded_on", "id")
        return self.annotate(
            latest_on=Subquery(latest.values("recorded_on")[:1]),
            latest_done=Subquery(latest.values("done")[:1]),
            latest_out_of=Subquery(latest.values("out_of")[:1]),
            first_on=Subquery(first.values("recorded_on")[:1]),
            first_done=Subquery(first.values("done")[:1]),
            first_out_of=Subquery(first.values("out_of")[:1]),
        )


@dataclass(frozen=True)
class Standing:
    """Where a structure test stands: "met", "on track", "behind", "overdue" or
    "no progress yet", and the percentage it is on course for by its date."""

    state: str
    projected: float | None

    def __str__(self):
        if self.projected is None or self.state == "met":
            return self.state
        return f"{self.state}: on course for {self.projected:.0f}%"


class StructureTest(models.Model):
    """A target that tests the organisation, e.g. 70% of members sign by 14 March."""

    title = models.CharField(max_length=200, help_text="e.g. 'Sign the pay petition'.")
    branch = models.ForeignKey(
        Branch, null=True, blank=True, on_delete=models.CASCADE, related_name="structure_tests"
    )
    unit = models.ForeignKey(
        BargainingUnit,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="structure_tests",
    )
    target_percent = models.PositiveSmallIntegerField(help_text="% of members to reach.")
    deadline = models.DateField()

    objects = StructureTestQuerySet.as_manager()

    class Meta:
        ordering = ["deadline", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(branch__isnull=True, unit__isnull=False)
                | Q(branch__isnull=False, unit__isnull=True),
                name="structuretest_branch_xor_unit",
            ),
            models.CheckConstraint(
                condition=Q(target_percent__gte=1, target_percent__lte=100),
                name="structuretest_target_percent",
            ),
        ]

    def __str__(self):
        return f"{self.title}: {self.target_percent}% of {self.branch or self.unit}"

    def clean(self):
        if bool(self.branch_id) == bool(self.unit_id):
            raise ValidationError("Choose a branch or a bargaining unit, not both.")
        if self.target_percent is not None and not 1 <= self.target_percent <= 100:
            raise ValidationError({"target_percent": "Enter a percentage from 1 to 100."})

    def latest(self):
        return self.progress.order_by("-recorded_on", "-id").first()

    def projected_percent(self) -> float | None:
        """Where the test will stand on its date if progress goes on at the rate so far
        (from the first record to the latest; with one record, no rise is assumed).
        None when nothing is recorded. Needs ``with_progress()``."""
        if self.latest_on is None:
            return None
        latest = 100 * self.latest_done / self.latest_out_of if self.latest_out_of else 0.0
        if self.first_on is None or self.first_on >= self.latest_on:
            return latest
        first = 100 * self.first_done / self.first_out_of if self.first_out_of else 0.0
        rate = (latest - first) / (self.latest_on - self.first_on).days
        return latest + rate * max(0, (self.deadline - self.latest_on).days)

    def standing(self, today: datetime.date) -> Standing:
        """Met, on track, behind or overdue, with the projection to its date."""
        projected = self.projected_percent()
        latest = 100 * self.latest_done / self.latest_out_of if self.latest_out_of else 0.0
        if projected is not None and latest >= self.target_percent:
            return Standing("met", latest)
        if self.deadline < today:
            return Standing("overdue", projected)
        if projected is None:
            return Standing("no progress yet", None)
        return Standing("on track" if projected >= self.target_percent else "behind", projected)


class StructureTestProgress(models.Model):
    """Progress towards a structure test on a date."""

    test = models.ForeignKey(StructureTest, on_delete=models.CASCADE, related_name="progress")
    recorded_on = models.DateField()
    done = models.PositiveIntegerField(help_text="Members who have done it by this date.")
    out_of = models.PositiveIntegerField(help_text="Members it applies to.")

    class Meta:
        ordering = ["test", "-recorded_on"]
        verbose_name_plural = "structure test progress"
        constraints = [
            models.CheckConstraint(
                condition=Q(done__lte=F("out_of")), name="structuretestprogress_done_within"
            ),
        ]

    def __str__(self):
        return f"{self.done} of {self.out_of} on {self.recorded_on:%d %b %Y}"

    def clean(self):
        if self.done is not None and self.out_of is not None and self.done > self.out_of:
            raise ValidationError({"done": "Cannot be more than the members it applies to."})

    @property
    def percent(self) -> float:
        return 100 * self.done / self.out_of if self.out_of else 0.0

    @property
    def met(self) -> bool:
        return self.percent >= self.test.target_percent
