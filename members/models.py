"""The union's structure (groups, regions, branches, workplaces), organisers'
accounts, and the people who join the faction."""

import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse


class Group(models.Model):
    """A bargaining unit or employer group, such as DWP or HMRC."""

    code = models.SlugField(
        max_length=20, unique=True, help_text="Short code used in URLs and imports, e.g. 'dwp'."
    )
    name = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "group"

    def __str__(self):
        return self.name


class Region(models.Model):
    """One of the union's regions (Scotland, London and South East, ...)."""

    code = models.SlugField(max_length=20, unique=True)
    name = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class BranchQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Return the branches this user's role lets them see."""
        from members.scoping import scope_for

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


def _new_secret() -> str:
    return secrets.token_urlsafe(24)


class MemberQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Members in this user's scope: by branch, or by their own group if they
        named no branch from our list."""
        from members.scoping import scope_for

        return scope_for(user).filter(self, branch_path="branch", group_path="group")

    def live(self):
        """Members who have not left: the rows the unique-email rule covers."""
        return self.exclude(status=Member.Status.LEFT)

    def with_email(self, email: str):
        """Live members with this address, compared as the unique index does."""
        return (
            self.live()
            .annotate(email_lower=Lower("email"))
            .filter(email_lower=email.strip().lower())
        )

    def consenting(self, kind: str):
        """Members whose consent of this kind is given and not withdrawn."""
        return self.filter(
            models.Exists(
                Consent.objects.filter(
                    member=models.OuterRef("pk"), kind=kind, withdrawn_at__isnull=True
                )
            )
        )


class Member(models.Model):
    """Someone who joined the faction. Every field is special-category data."""

    class Grade(models.TextChoices):
        AA = "AA", "Administrative Assistant (AA)"
        AO = "AO", "Administrative Officer (AO)"
        EO = "EO", "Executive Officer (EO)"
        HEO = "HEO", "Higher Executive Officer (HEO)"
        SEO = "SEO", "Senior Executive Officer (SEO)"
        G7 = "G7", "Grade 7"
        G6 = "G6", "Grade 6"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending (email not confirmed)"
        CONFIRMED = "confirmed", "Confirmed"
        ACTIVE = "active", "Active"
        LEFT = "left", "Left"

    name = models.CharField(max_length=200)
    email = models.EmailField(max_length=254)
    mobile = models.CharField(max_length=30, blank=True)
    branch = models.ForeignKey(
        Branch,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,  # a merged or closed branch must not delete people
        related_name="members",
    )
    branch_not_listed = models.CharField(
        max_length=200,
        blank=True,
        help_text="The branch the member named when theirs was not in our list.",
    )
    group = models.ForeignKey(
        Group,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,  # a merged group must not delete people
        related_name="members",
        help_text="The member's union group: their branch's group, or the one they chose "
        "when their branch was not in our list. Group organisers see members without a "
        "branch by this.",
    )
    workplace = models.ForeignKey(
        Workplace, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    grade = models.CharField(max_length=10, choices=Grade, blank=True)
    is_rep = models.BooleanField("union rep", default=False)
    is_union_member = models.BooleanField("already a union member", default=True)
    status = models.CharField(max_length=20, choices=Status, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_ip = models.GenericIPAddressField(
        "confirmed from",
        null=True,
        blank=True,
        help_text="The address the confirmation came from: part of the proof of consent.",
    )
    workplace_not_listed = models.CharField(
        max_length=200,
        blank=True,
        help_text="The workplace the member named when it was not in our list.",
    )
    last_emailed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When we last emailed them; a double click must not send two emails.",
    )
    secret = models.CharField(
        max_length=32,
        default=_new_secret,
        editable=False,
        help_text="Part of every personal link; changing it cancels all links already sent.",
    )

    objects = MemberQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            # One live record per address, whatever its case: a second sign-up
            # updates the first instead of creating a duplicate.
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(status="left"),
                name="member_email_unique_while_not_left",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="member_status_created_idx")]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if self.branch_id is not None and self.group_id is None:
            self.group_id = self.branch.group_id  # the group follows the branch
            if kwargs.get("update_fields") is not None and "branch" in kwargs["update_fields"]:
                kwargs["update_fields"] = {*kwargs["update_fields"], "group"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("admin:members_member_change", args=[self.pk])

    def clean(self):
        """The group follows the branch; the friendly message for
        member_email_unique_while_not_left."""
        from django.core.exceptions import ValidationError

        if self.branch_id is not None:
            branch_group_id = (
                Branch.objects.filter(pk=self.branch_id).values_list("group_id", flat=True).first()
            )
            if self.group_id is None:
                self.group_id = branch_group_id
            elif branch_group_id is not None and self.group_id != branch_group_id:
                raise ValidationError(
                    {
                        "group": "This is not the group of the member's branch: choose the "
                        "branch's group, or leave it empty to take the branch's."
                    }
                )
        if self.email and self.status != self.Status.LEFT:
            others = Member.objects.with_email(self.email).exclude(pk=self.pk)
            if others.exists():
                raise ValidationError(
                    {"email": "Another member who has not left already has this email address."}
                )


class ConsentKind(models.TextChoices):
    FACTION = "faction", "Contact from the faction"
    BRANCH = "branch", "Contact from local organisers about my branch"


class ConsentWording(models.Model):
    """One version of the exact words a person agreed to. Never edited once used."""

    kind = models.CharField(max_length=20, choices=ConsentKind)
    version = models.PositiveSmallIntegerField()
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "-version"]
        verbose_name = "consent wording"
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "version"], name="consentwording_unique_version"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} v{self.version}"


class Consent(models.Model):
    """A consent a member gave, pointing at the wording they saw; withdrawn or not."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(max_length=20, choices=ConsentKind)
    wording = models.ForeignKey(
        ConsentWording,
        on_delete=models.PROTECT,  # the proof of what was agreed must outlive edits
        related_name="consents",
    )
    given_at = models.DateTimeField()
    source = models.CharField(
        max_length=50, help_text="Where it was given: 'join form', 'manage page', 'import'."
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["member", "-given_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "kind"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="consent_one_live_per_kind",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.wording})"

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.wording_id and self.wording.kind != self.kind:
            raise ValidationError({"wording": "This wording is for a different kind of consent."})


class RateLimitCounter(models.Model):
    """Hits per key in one fixed time window; shared by every web process.

    Written only by campaign.ratelimit with one atomic upsert per request. Keys
    hold a keyed hash of the client address, never the address itself.
    """

    key = models.CharField(max_length=200)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-window_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "window_start"], name="ratelimitcounter_unique_window"
            ),
        ]
        indexes = [models.Index(fields=["window_start"], name="ratelimit_window_idx")]

    def __str__(self):
        return f"{self.key} @ {self.window_start:%H:%M}: {self.count}"


class AuditEvent(models.Model):
    """Who viewed, added, changed, exported, imported or erased personal data, and when.

    Holds no more personal data than needed: the organiser, the kind of record
    and its id, a count of rows, and a short description with no names or
    addresses in it.
    """

    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        ADD = "add", "Added"
        CHANGE = "change", "Changed"
        EXPORT = "export", "Exported"
        IMPORT = "import", "Imported"
        ERASE = "erase", "Erased"
        RETENTION = "retention", "Removed by retention"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,  # the trail outlives the organiser's account
        related_name="audit_events",
        help_text="The organiser; empty for the member themselves or a scheduled task.",
    )
    actor_label = models.CharField(
        max_length=150, help_text="Username at the time, or 'member' / 'system'."
    )
    action = models.CharField(max_length=20, choices=Action)
    subject = models.CharField(
        max_length=100, help_text="The kind of record, e.g. 'members.member' or 'member export'."
    )
    object_id = models.CharField(max_length=64, blank=True)
    rows = models.PositiveIntegerField(null=True, blank=True)
    detail = models.CharField(
        max_length=500, blank=True, help_text="Filters used or fields changed; no personal data."
    )

    class Meta:
        ordering = ["-at"]
        verbose_name = "audit event"

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.subject}"
