"""Organisers' accounts and their roles."""

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import Group as AuthGroup
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

    # Each role's model permissions are those of its auth group (created, with
    # the permissions, by members migration 0006). Saving a user keeps a staff
    # user in their role's group and in no other role's.
    ROLE_GROUPS = {
        Role.NATIONAL: "National organisers",
        Role.GROUP: "Group organisers",
        Role.REGIONAL: "Regional organisers",
        Role.EDITOR: "Editors",
    }

    @property
    def sees_members(self) -> bool:
        return self.is_superuser or self.role != self.Role.EDITOR

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        fields = kwargs.get("update_fields")
        if fields is None or {"role", "is_staff"} & set(fields):
            self.sync_role_group()

    def sync_role_group(self) -> None:
        """Put a staff user in their role's auth group and in no other role's; a user
        who is not staff in none. Other groups are left as they are.

        A role group that does not exist (deleted by hand) is not recreated: the
        user then holds no role permissions, which fails closed.
        """
        wanted = self.ROLE_GROUPS.get(self.role) if self.is_staff else None
        role_groups = self.groups.filter(name__in=self.ROLE_GROUPS.values())
        if {g.name for g in role_groups} == ({wanted} if wanted else set()):
            return
        self.groups.remove(*[g for g in role_groups if g.name != wanted])
        if wanted:
            self.groups.add(*AuthGroup.objects.filter(name=wanted))
