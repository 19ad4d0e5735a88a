"""Organisers' accounts and their roles."""

from django.contrib.auth.models import AbstractUser
from django.db import models

from members.models.structure import Group, Region


class User(AbstractUser):
    """An organiser's account. Members who join the faction are not users."""

    class Role(models.TextChoices):
        NATIONAL = "national", "National organiser"
        GROUP = "group", "Group organiser"
        REGIONAL = "regional", "Regional organiser"
        EDITOR = "editor", "Editor (articles only)"

    role = models.CharField(
        max_length=20,
        choices=Role,
        default=Role.EDITOR,
        help_text="What this organiser may see. Group and regional organisers see only "
        "the members, branches and figures of their group or region.",
    )
    group = models.ForeignKey(
        Group,
        null=True,
        blank=True,
        on_delete=models.PROTECT,  # an organiser's scope must not silently widen
        related_name="organisers",
        help_text="For group organisers: the group they organise.",
    )
    region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organisers",
        help_text="For regional organisers: the region they organise.",
    )

    class Meta(AbstractUser.Meta):
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role="group") | models.Q(group__isnull=False),
                name="user_group_organiser_has_group",
            ),
            models.CheckConstraint(
                condition=~models.Q(role="regional") | models.Q(region__isnull=False),
                name="user_regional_organiser_has_region",
            ),
        ]

    @property
    def sees_members(self) -> bool:
        return self.is_superuser or self.role != self.Role.EDITOR
