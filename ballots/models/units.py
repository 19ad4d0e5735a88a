"""Bargaining units (the employers a statutory ballot is counted for) and their branches."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef
from django.urls import reverse

from members.models import Branch, Group
from members.scoping import scope_for


class BargainingUnitQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Return the units this organiser may see.

        Group organisers see their group's units; regional organisers see units with
        at least one branch in their region (their figures cover only those branches).
        """
        scope = scope_for(user)
        if not scope.members:
            return self.none()
        if scope.everything:
            return self
        if scope.group_id is not None:
            return self.filter(group_id=scope.group_id)
        if scope.region_id is not None:
            return self.filter(
                Exists(
                    UnitBranch.objects.filter(
                        unit=OuterRef("pk"), branch__region_id=scope.region_id
                    )
                )
            )
        return self.none()


class BargainingUnit(models.Model):
    """An employer a statutory ballot is counted for: each must pass on its own."""

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="bargaining_units")
    code = models.SlugField(max_length=40, unique=True, help_text="Short code, e.g. 'dwp-jcp'.")
    name = models.CharField(max_length=200)
    important_public_service = models.BooleanField(
        default=False,
        help_text="Tick if most members in this unit work in an important public service "
        "(health, education, fire, transport, border security, nuclear decommissioning): "
        "the 40% support threshold then applies while the law keeps it.",
    )
    branches = models.ManyToManyField(Branch, through="UnitBranch", related_name="+", blank=True)

    objects = BargainingUnitQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = "bargaining unit"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("admin:ballots_bargainingunit_change", args=[self.pk])


class UnitBranch(models.Model):
    """A branch whose members are counted in a bargaining unit (one unit per branch)."""

    unit = models.ForeignKey(BargainingUnit, on_delete=models.CASCADE, related_name="unit_branches")
    branch = models.OneToOneField(Branch, on_delete=models.CASCADE, related_name="ballot_unit_link")

    class Meta:
        ordering = ["unit", "branch"]
        verbose_name = "branch in unit"
        verbose_name_plural = "branches in unit"

    def __str__(self):
        return f"{self.branch} in {self.unit}"

    def clean(self):
        if self.unit_id and self.branch_id and self.unit.group_id != self.branch.group_id:
            raise ValidationError({"branch": "This branch belongs to another group."})
