"""Structure tests: targets that test the organisation, and progress towards them."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

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
