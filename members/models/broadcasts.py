"""Email broadcasts to members: the message, its audience, one delivery row per recipient.

A broadcast belongs to the scope of the organiser who wrote it (the whole
union, a group or a region) and its audience is always inside that scope;
consent is checked again as each message goes (members/broadcasts/).
"""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse

from members.models.accounts import User
from members.models.consent import ConsentKind
from members.models.people import Member
from members.models.structure import Branch, Group, Region
from members.scoping import Scope, scope_for


class BroadcastQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Broadcasts written in this user's scope (national organisers see all)."""
        scope = scope_for(user)
        match scope.kind:
            case "everything":
                return self
            case "group":
                return self.filter(scope_group_id=scope.group_id)
            case "region":
                return self.filter(scope_region_id=scope.region_id)
        return self.none()


class Broadcast(models.Model):
    """One email to many members, with who wrote it, to whom, and how it went."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SCHEDULED = "scheduled", "Scheduled"
        SENDING = "sending", "Sending"
        PAUSED = "paused", "Paused after errors"
        SENT = "sent", "Sent"
        CANCELLED = "cancelled", "Cancelled"

    subject = models.CharField(max_length=200)
    body = models.TextField(
        help_text="Markdown. {{ name }} and {{ branch }} are replaced by each member's "
        "name and branch; nothing else personal can be merged."
    )
    consent = models.CharField(
        "consent needed",
        max_length=20,
        choices=ConsentKind,
        default=ConsentKind.FACTION,
        help_text="Only members who gave this consent, and have not withdrawn it when "
        "their email goes, receive it. The unsubscribe link withdraws this consent.",
    )
    reply_to = models.EmailField(
        "reply-to address", blank=True, help_text="Where replies go. Empty: nowhere but From."
    )
    # The audience: members in the scope who match every filter given.
    audience_group = models.ForeignKey(
        Group,
        null=True,
        blank=True,
        # protect: an emptied filter would widen a scheduled broadcast's audience
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="group",
    )
    audience_region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="region",
    )
    audience_branch = models.ForeignKey(
        Branch,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="branch",
    )
    audience_grades = ArrayField(
        models.CharField(max_length=10, choices=Member.Grade),
        blank=True,
        default=list,
        verbose_name="grades",
        help_text="Empty: every grade.",
    )
    audience_reps_only = models.BooleanField("union reps only", default=False)
    audience_joined_since = models.DateField("joined on or after", null=True, blank=True)
    # The scope it was written in: the audience never leaves it.
    scope_everything = models.BooleanField(default=False, editable=False)
    scope_group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    scope_region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )

    status = models.CharField(max_length=20, choices=Status, default=Status.DRAFT)
    created_by = models.ForeignKey(
        User,
        null=True,
        on_delete=models.SET_NULL,  # the record outlives the organiser's account
        related_name="broadcasts",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    send_at = models.DateTimeField(
        "send at", null=True, blank=True, help_text="When a scheduled broadcast starts."
    )
    started_at = models.DateTimeField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Counts, kept here because delivery rows are deleted after the retention period.
    recipients = models.PositiveIntegerField(default=0, editable=False)
    sent_count = models.PositiveIntegerField("sent", default=0, editable=False)
    failed_count = models.PositiveIntegerField("failed", default=0, editable=False)
    skipped_count = models.PositiveIntegerField(
        "suppressed",
        default=0,
        editable=False,
        help_text="Not sent: consent withdrawn, address suppressed, left or erased by then.",
    )
    unsubscribed_count = models.PositiveIntegerField("unsubscribed since", default=0)
    retries = models.PositiveSmallIntegerField(default=0, editable=False)
    last_error = models.CharField(max_length=300, blank=True, editable=False)

    objects = BroadcastQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "email broadcast"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    scope_everything=True, scope_group__isnull=True, scope_region__isnull=True
                )
                | (
                    models.Q(scope_everything=False)
                    & (models.Q(scope_group__isnull=False) | models.Q(scope_region__isnull=False))
                ),
                name="broadcast_has_one_scope",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="scheduled") | models.Q(send_at__isnull=False),
                name="broadcast_scheduled_has_time",
            ),
        ]

    def __str__(self):
        return self.subject

    def get_absolute_url(self):
        return reverse("admin:members_broadcast_change", args=[self.pk])

    @property
    def scope(self) -> Scope:
        """The scope it was written in (not its author's today: roles change)."""
        if self.scope_everything:
            return Scope(everything=True)
        if self.scope_group_id is not None:
            return Scope(group_id=self.scope_group_id)
        return Scope(region_id=self.scope_region_id)

    def take_scope_of(self, user) -> None:
        scope = scope_for(user)
        self.scope_everything = scope.kind == "everything"
        self.scope_group_id = scope.group_id if scope.kind == "group" else None
        self.scope_region_id = scope.region_id if scope.kind == "region" else None

    @property
    def editable(self) -> bool:
        return self.status == self.Status.DRAFT

    def audience_description(self) -> str:
        """The audience definition in words (for the record and the audit trail: no names)."""
        parts = []
        if self.audience_group_id:
            parts.append(f"group {self.audience_group}")
        if self.audience_region_id:
            parts.append(f"region {self.audience_region}")
        if self.audience_branch_id:
            parts.append(f"branch {self.audience_branch}")
        if self.audience_grades:
            parts.append("grades " + ", ".join(self.audience_grades))
        if self.audience_reps_only:
            parts.append("union reps only")
        if self.audience_joined_since:
            parts.append(f"joined on or after {self.audience_joined_since:%Y-%m-%d}")
        where = "the whole union"
        if self.scope_group_id:
            where = f"group {self.scope_group}"
        elif self.scope_region_id:
            where = f"region {self.scope_region}"
        filters = "; ".join(parts) or "everyone"
        return f"{filters} (within {where}), with {self.get_consent_display().lower()} consent"


class BroadcastDelivery(models.Model):
    """One member's copy of one broadcast: queued, then sent, failed or skipped, once."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Not sent (consent, suppression)"

    broadcast = models.ForeignKey(Broadcast, on_delete=models.CASCADE, related_name="deliveries")
    member = models.ForeignKey(
        Member,
        on_delete=models.CASCADE,  # erasure takes the member's deliveries with them
        related_name="broadcast_deliveries",
    )
    status = models.CharField(max_length=20, choices=Status, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    reason = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["broadcast", "pk"]
        verbose_name = "broadcast delivery"
        verbose_name_plural = "broadcast deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["broadcast", "member"], name="broadcastdelivery_once_per_member"
            ),
        ]
        indexes = [
            models.Index(fields=["broadcast", "status"], name="broadcastdelivery_status_idx"),
        ]

    def __str__(self):
        return f"{self.broadcast_id} to member {self.member_id}: {self.status}"


class Suppression(models.Model):
    """An address no broadcast goes to: the mail server refused it, or an organiser said so."""

    class Reason(models.TextChoices):
        REFUSED = "refused", "Refused by the mail server (hard bounce)"
        MANUAL = "manual", "Added by an organiser"

    email = models.EmailField(max_length=254, help_text="Kept in lower case.")
    reason = models.CharField(max_length=20, choices=Reason, default=Reason.MANUAL)
    detail = models.CharField(max_length=300, blank=True, help_text="The mail server's answer.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "suppressed address"
        verbose_name_plural = "suppressed addresses"
        constraints = [
            models.UniqueConstraint(Lower("email"), name="suppression_unique_email"),
        ]

    def __str__(self):
        return self.email

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)
