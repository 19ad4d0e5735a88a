"""What readiness snapshots and turnout returns share: who entered a figure, by
which route and when, and how a count is written in a message."""

from django.conf import settings
from django.db import models
from django.utils.formats import number_format


def format_count(value: int) -> str:
    """A count as people write it in a message: 1,200."""
    return number_format(value, force_grouping=True)


class Source(models.TextChoices):
    ADMIN = "admin", "Organiser (admin)"
    GRID = "grid", "Organiser (grid)"
    CSV = "csv", "CSV import"
    LINK = "link", "Branch contact (signed link)"


class EnteredFigures(models.Model):
    """Who entered a figure, by which route, and when."""

    source = models.CharField(max_length=10, choices=Source, default=Source.ADMIN)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,  # the figures outlive the organiser's account
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
