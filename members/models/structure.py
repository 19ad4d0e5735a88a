"""The union's structure: groups, regions, branches and workplaces."""

from django.db import models
from django.db.models import Q

from members.scoping import scope_for


class StructureQuerySet(models.QuerySet):
    """Groups or regions: the union's structure is public (the join form lists it),
    but an organiser's forms offer only the part of it their scope reaches, so
    nobody files a branch, member or candidate under another scope's group."""

    scope_attr: str  # "group" or "region"

    def visible_to(self, user):
        scope = scope_for(user)
        if scope.everything:
            return self
        own = getattr(scope, f"{self.scope_attr}_id")
        in_scope = Branch.objects.visible_to(user).values(f"{self.scope_attr}_id")
        return self.filter(Q(pk=own) | Q(pk__in=in_scope))  # pk=None matches nothing


class GroupQuerySet(StructureQuerySet):
    scope_attr = "group"


class RegionQuerySet(StructureQuerySet):
    scope_attr = "region"


class Group(models.Model):
    """A bargaining unit or employer group, such as DWP or HMRC."""

    code = models.SlugField(
        max_length=20, unique=True, help_text="Short code used in URLs and imports, e.g. 'dwp'."
    )
    name = models.CharField(max_length=200, unique=True)

    objects = GroupQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = "group"

    def __str__(self):
        return self.name


class Region(models.Model):
    """One of the union's regions (Scotland, London and South East, ...)."""

    code = models.SlugField(max_length=20, unique=True)
    name = models.CharField(max_length=200, unique=True)

    objects = RegionQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class BranchQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Return the branches this user's role lets them see."""
        return scope_for(user).filter(self, branch_path="")


class Branch(models.Model):
    """A union branch: belongs to one group and one region."""

    code = models.CharField(
        max_length=20, unique=True, help_text="The union's branch code, e.g. 'DWP-123'."
    )
    name = models.CharField(max_length=200)
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="branches")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="branches")

    objects = BranchQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "branches"
        indexes = [models.Index(fields=["group", "region"], name="branch_group_region_idx")]

    def __str__(self):
        return f"{self.name} ({self.code})"


class Workplace(models.Model):
    """An office or site within a branch."""

    branch = models.ForeignKey(Branch, on_delete=models.CASCADE, related_name="workplaces")
    name = models.CharField(max_length=200)
    town = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["branch", "name"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "name"], name="workplace_unique_per_branch"),
        ]

    def __str__(self):
        return self.name if not self.town else f"{self.name}, {self.town}"
