"""The audit trail of access to personal data."""

from django.db import models

from members.models.accounts import User


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
