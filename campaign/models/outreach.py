"""Outreach to branch contacts: the record of each contact with a branch, the
reminders scheduled for it, and organisers' private calendar feeds."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ContactEvent(models.Model):
    """One contact with a branch during an election: a link sent, a chase, a reminder.

    With the link's ``last_used_at`` (opened) and the branch's nomination reports
    (reported) it makes the branch's contact history.
    """

    class Kind(models.TextChoices):
        LINK_SENT = "link_sent", "Link sent"
        CHASED = "chased", "Chased"
        REMINDER = "reminder", "Reminder sent"

    branch = models.ForeignKey(
        "members.Branch", on_delete=models.CASCADE, related_name="contact_events"
    )
    election = models.ForeignKey(
        "campaign.Election", on_delete=models.CASCADE, related_name="contact_events"
    )
    kind = models.CharField(max_length=10, choices=Kind)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,  # the branch's history outlives the organiser's account
        related_name="+",
    )
    link = models.ForeignKey(
        "members.BranchContactLink",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,  # erasing a contact leaves "a link was sent" on record
        related_name="contact_events",
    )
    note = models.CharField(max_length=200, blank=True, help_text="e.g. 'Phoned the secretary'.")

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "contact with a branch"
        verbose_name_plural = "contacts with branches"
        indexes = [
            models.Index(fields=["election", "branch", "-at"], name="contactevent_latest_idx")
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.branch_id} on {self.at:%-d %b %Y}"


class Reminder(models.Model):
    """A reminder to a branch contact, sent on its day unless the branch has reported."""

    class Kind(models.TextChoices):
        NOTICE = "notice", "Before the meeting's notice deadline"
        REPORT = "report", "The day after the AGM: report your result"
        CHASE = "chase", "No answer yet: a chase"

    link = models.ForeignKey(
        "members.BranchContactLink", on_delete=models.CASCADE, related_name="reminders"
    )
    election = models.ForeignKey(
        "campaign.Election", on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(max_length=10, choices=Kind)
    due_on = models.DateField()
    sent_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(
        null=True, blank=True, help_text="Not sent: the branch had reported, or the link ended."
    )

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["link", "election", "kind", "due_on"], name="reminder_once"
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_on"],
                condition=Q(sent_at__isnull=True, stopped_at__isnull=True),
                name="reminder_due_idx",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.due_on:%-d %b %Y}"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class CalendarFeed(models.Model):
    """An organiser's private calendar (iCal) address: a secret only its hash is kept of.

    Making a new one ends the old address at once (one feed per organiser).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "calendar feed"

    def __str__(self):
        return f"Calendar feed of user {self.user_id}"

    @classmethod
    def renew(cls, user) -> str:
        """Give the user a new feed address (the old one stops working); return its secret."""
        token = secrets.token_urlsafe(32)
        cls.objects.update_or_create(
            user=user, defaults={"token_hash": _hash(token), "created_at": timezone.now()}
        )
        return token

    @classmethod
    def revoke(cls, user) -> None:
        cls.objects.filter(user=user).delete()

    @classmethod
    def user_for(cls, token) -> "object | None":
        """Return the active staff user whose feed this secret opens, or None."""
        if not token or not isinstance(token, str) or len(token) > 200:
            return None
        feed = cls.objects.select_related("user").filter(token_hash=_hash(token)).first()
        if feed is None or not (feed.user.is_active and feed.user.is_staff):
            return None
        cls.objects.filter(pk=feed.pk).update(last_used_at=timezone.now())
        return feed.user
