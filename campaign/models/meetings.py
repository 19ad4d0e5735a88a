"""Branch meetings (the AGMs and EGMs that nominate) and the notice periods before them."""

import calendar
import datetime
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import ExtractYear
from django.urls import reverse
from django.utils import timezone


class NoticeRule(models.Model):
    """How long before a branch meeting something must happen: "members told 28 days before"."""

    class Unit(models.TextChoices):
        DAYS = "days", "days"
        WEEKS = "weeks", "weeks"
        MONTHS = "months", "calendar months"

    label = models.CharField(max_length=200, help_text="e.g. 'Members told of the meeting'.")
    amount = models.PositiveIntegerField()
    unit = models.CharField(max_length=10, choices=Unit, default=Unit.DAYS)
    applies_to = models.CharField(
        max_length=10,
        blank=True,
        choices=[("agm", "AGMs"), ("egm", "EGMs")],
        help_text="Leave empty for every kind of meeting.",
    )

    class Meta:
        ordering = ["-amount", "label"]
        constraints = [
            models.UniqueConstraint(fields=["label", "applies_to"], name="noticerule_unique"),
        ]

    def __str__(self):
        return f"{self.label}: {self.amount} {self.get_unit_display()} before"

    def deadline(self, meeting_date: datetime.date) -> datetime.date:
        """Return the last day this must happen for a meeting on meeting_date."""
        return subtract(meeting_date, self.amount, self.unit)


def subtract(day: datetime.date, amount: int, unit: str) -> datetime.date:
    """Go back amount days, weeks or calendar months; a missing day becomes the month's last."""
    if unit == NoticeRule.Unit.DAYS:
        return day - datetime.timedelta(days=amount)
    if unit == NoticeRule.Unit.WEEKS:
        return day - datetime.timedelta(weeks=amount)
    months = day.year * 12 + (day.month - 1) - amount
    year, month = divmod(months, 12)
    month += 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class BranchMeeting(models.Model):
    """A branch general meeting (AGM or EGM): the only body that can nominate."""

    class Kind(models.TextChoices):
        AGM = "agm", "AGM"
        EGM = "egm", "EGM"

    branch = models.ForeignKey("members.Branch", on_delete=models.CASCADE, related_name="meetings")
    kind = models.CharField(max_length=3, choices=Kind, default=Kind.AGM)
    date = models.DateField()
    place = models.CharField(max_length=200, blank=True)
    our_nominations_moved = models.BooleanField(
        "our nominations will be moved",
        default=False,
        help_text="Someone will move our slate at this meeting.",
    )
    mover = models.ForeignKey(
        "members.Member",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,  # erasing a member must not remove the meeting
        related_name="meetings_moved",
        help_text="The member who will move our nominations.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["date", "branch"]
        verbose_name = "branch meeting"
        constraints = [
            models.UniqueConstraint(
                "branch",
                ExtractYear("date"),
                condition=Q(kind="agm"),
                name="branchmeeting_one_agm_per_year",
            ),
            models.CheckConstraint(
                condition=Q(mover__isnull=True) | Q(our_nominations_moved=True),
                name="branchmeeting_mover_only_when_moved",
            ),
        ]
        indexes = [models.Index(fields=["date"], name="branchmeeting_date_idx")]

    def __str__(self):
        return f"{self.branch.code} {self.get_kind_display()} {self.date:%-d %b %Y}"

    def get_absolute_url(self):
        return reverse("admin:campaign_branchmeeting_change", args=[self.pk])

    def clean(self):
        errors = {}
        if self.mover_id and not self.our_nominations_moved:
            errors["mover"] = "Tick “our nominations will be moved” when you name a mover."
        if self.mover_id and self.branch_id and self.mover.branch_id not in (None, self.branch_id):
            errors["mover"] = "The mover must be a member of this branch."
        if self.kind == self.Kind.AGM and self.branch_id and self.date:
            clash = BranchMeeting.objects.filter(
                branch_id=self.branch_id, kind=self.Kind.AGM, date__year=self.date.year
            ).exclude(pk=self.pk)
            if clash.exists():
                errors["date"] = f"This branch already has an AGM in {self.date.year}."
        if errors:
            raise ValidationError(errors)

    def notice_deadlines(self, rules) -> list[tuple[str, datetime.date]]:
        """Return (label, last day) for each notice rule that applies to this meeting."""
        return [
            (rule.label, rule.deadline(self.date))
            for rule in rules
            if rule.applies_to in ("", self.kind)
        ]

    def notice_dates(self, rules=None, today: datetime.date | None = None) -> list["NoticeDate"]:
        """The notice deadlines this meeting implies, each marked passed or not.

        Without ``rules`` the NoticeRule table is read (one query); pass them in
        when listing many meetings. Templates call it with no arguments.
        """
        if self.date is None:
            return []
        if rules is None:
            rules = NoticeRule.objects.all()
        today = today or timezone.localdate()
        return [NoticeDate(label, day, day < today) for label, day in self.notice_deadlines(rules)]


class NoticeDate(NamedTuple):
    """One deadline before a meeting: "Members told of the meeting" by 20 January."""

    label: str
    day: datetime.date
    passed: bool  # the last day was before today
