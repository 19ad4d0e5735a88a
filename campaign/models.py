"""The election campaign: elections, positions, our slates, branch meetings,
the nominations they make, and the signed links branch contacts report through.

The rules of an election (seats, reserved seats, the employer cap, the
nominations a candidate needs, the notice periods before a meeting) are data
on these models, checked by code in ``campaign/rules.py`` and by the database.
"""

import calendar
import datetime
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import ExtractYear, Lower
from django.urls import reverse
from django.utils import timezone

from core.uploads import safe_upload_to, validate_image
from members.scoping import scope_for


class ElectionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Return the elections this user may see: national ones, and their group's."""
        scope = scope_for(user)
        if not scope.members:
            return self.none()
        if scope.everything:
            return self
        if scope.group_id is not None:
            return self.filter(Q(group__isnull=True) | Q(group_id=scope.group_id))
        return self.filter(group__isnull=True)

    def published(self):
        return self.filter(is_published=True)

    def for_branch(self, branch):
        """Elections this branch can nominate in: national ones and its group's."""
        return self.filter(Q(group__isnull=True) | Q(group_id=branch.group_id))


class Election(models.Model):
    """One election of the union's officers: "NEC 2027", "DWP Group Executive 2027"."""

    class VotingMethod(models.TextChoices):
        STV = "stv", "Single transferable vote"
        FPTP = "fptp", "First past the post"
        BLOCK = "block", "Block vote (one vote per seat)"

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=80, unique=True, help_text="Used in the public address.")
    group = models.ForeignKey(
        "members.Group",
        null=True,
        blank=True,
        on_delete=models.PROTECT,  # an election must not lose the body it elects
        related_name="elections",
        help_text="The group whose executive this elects. Leave empty for a national election.",
    )
    intro = models.TextField(
        blank=True, help_text="A short introduction shown at the top of the public slate page."
    )
    agm_window_start = models.DateField(
        "branch AGMs from", help_text="The first day a branch AGM can nominate."
    )
    agm_window_end = models.DateField("branch AGMs until", help_text="The last day for AGMs.")
    nominations_close = models.DateField(
        "nominations reach HQ by", help_text="The date nominations must reach the union's HQ."
    )
    ballot_opens = models.DateField()
    ballot_closes = models.DateField()
    voting_method = models.CharField(max_length=10, choices=VotingMethod, default=VotingMethod.STV)
    nominations_needed = models.PositiveIntegerField(
        default=1,
        help_text="Branch nominations a candidate needs to get on the ballot (e.g. 15).",
    )
    employer_cap = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="At most this many members from one employer group may be elected "
        "(e.g. 8 for the NEC). Leave empty for no cap.",
    )
    is_published = models.BooleanField(
        "slate page public", default=False, help_text="Show the slate page to the public."
    )
    publish_counts = models.BooleanField(
        "publish running counts",
        default=False,
        help_text="Show each candidate's count of verified branch nominations on the public page.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ElectionQuerySet.as_manager()

    class Meta:
        ordering = ["-ballot_opens", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(agm_window_start__lte=models.F("agm_window_end")),
                name="election_agm_window_in_order",
            ),
            models.CheckConstraint(
                condition=Q(nominations_close__lte=models.F("ballot_opens"))
                & Q(ballot_opens__lte=models.F("ballot_closes")),
                name="election_dates_in_order",
            ),
            models.CheckConstraint(
                condition=Q(nominations_needed__gte=1), name="election_nominations_needed_positive"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("campaign:slate", args=[self.slug])

    def clean(self):
        errors = {}
        start, end = self.agm_window_start, self.agm_window_end
        if start and end and start > end:
            errors["agm_window_end"] = "The AGM window must end on or after its first day."
        if (
            self.nominations_close
            and self.ballot_opens
            and self.nominations_close > self.ballot_opens
        ):
            errors["nominations_close"] = "Nominations must close on or before the ballot opens."
        if self.ballot_opens and self.ballot_closes and self.ballot_opens > self.ballot_closes:
            errors["ballot_closes"] = "The ballot must close on or after the day it opens."
        if errors:
            raise ValidationError(errors)

    def open_to(self, branch) -> bool:
        """Whether this branch can nominate in this election (national, or its group's)."""
        return self.group_id is None or self.group_id == branch.group_id

    @property
    def body(self) -> str:
        return self.group.name if self.group_id else "National"

    def is_open_for_nominations(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return today <= self.nominations_close

    def branches_q(self, prefix: str = "") -> Q:
        """A Q over branches (reached by prefix) that can nominate in this election."""
        if self.group_id is None:
            return Q()
        return Q(**{f"{prefix}group_id": self.group_id})


class Position(models.Model):
    """An office in an election: President, Vice President (x4), NEC member (x30)."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="positions")
    title = models.CharField(max_length=200)
    seats = models.PositiveIntegerField(
        default=1, help_text="How many are elected. A branch may nominate no more than this."
    )
    votes_per_member = models.PositiveIntegerField(
        default=1, help_text="How many votes each member casts for this position."
    )
    order = models.PositiveIntegerField(default=0, help_text="Lower numbers come first.")

    class Meta:
        ordering = ["election", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["election", "title"], name="position_title_unique"),
            models.CheckConstraint(condition=Q(seats__gte=1), name="position_seats_positive"),
            models.CheckConstraint(
                condition=Q(votes_per_member__gte=1), name="position_votes_positive"
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.election.name})" if self.election_id else self.title


class ReservedSeatRule(models.Model):
    """At least N seats are reserved for a category: "2 NEC seats for Black members"."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="reserved_rules")
    position = models.ForeignKey(
        Position,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reserved_rules",
        help_text="Leave empty when the reservation is across the whole election.",
    )
    category = models.CharField(
        max_length=100, help_text="Who the seats are for, e.g. 'Black members'."
    )
    seats = models.PositiveIntegerField(help_text="At least this many seats.")

    class Meta:
        ordering = ["election", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["election", "position", "category"],
                name="reservedseatrule_unique",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=Q(seats__gte=1), name="reservedseatrule_seats_positive"
            ),
        ]

    def __str__(self):
        where = self.position.title if self.position_id else "the election"
        return f"{self.seats} x {where} for {self.category}"


class Candidate(models.Model):
    """One of our candidates for a position, in slate order."""

    position = models.ForeignKey(Position, on_delete=models.CASCADE, related_name="candidates")
    name = models.CharField(max_length=200)
    order = models.PositiveIntegerField(default=0, help_text="Slate order: lower comes first.")
    photo = models.ImageField(
        upload_to=safe_upload_to("campaign/candidates"),
        validators=[validate_image],
        blank=True,
        help_text="A head-and-shoulders photo, JPEG/PNG/WebP, square works best.",
    )
    employer = models.ForeignKey(
        "members.Group",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="candidates",
        help_text="The employer group they work in (counts towards the employer cap).",
    )
    branch = models.ForeignKey(
        "members.Branch",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,  # a merged branch must not remove a candidate
        related_name="candidates",
    )
    statement = models.TextField(
        max_length=600,
        blank=True,
        help_text="A short statement for the slate page (600 characters).",
    )
    election_address = models.TextField(
        blank=True, help_text="The full election address, as sent to the union."
    )
    reserved_categories = models.ManyToManyField(
        ReservedSeatRule,
        blank=True,
        related_name="eligible_candidates",
        help_text="Reserved seats this candidate may stand for.",
    )

    class Meta:
        ordering = ["position", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                "position", Lower("name"), name="candidate_name_unique_per_position"
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.position_id and self.name:
            clash = Candidate.objects.filter(
                position_id=self.position_id, name__iexact=self.name.strip()
            ).exclude(pk=self.pk)
            if clash.exists():
                raise ValidationError(
                    {"name": "This candidate is already on the slate for this position."}
                )


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


class NominationReport(models.Model):
    """What someone reported one meeting nominated: kept for ever, one version per report.

    A correction is a new version; the earlier report stays, and the nominations
    it no longer includes are marked superseded (never deleted), so nothing is
    overwritten silently.
    """

    class Source(models.TextChoices):
        CONTACT = "contact", "Branch contact (signed link)"
        ORGANISER = "organiser", "Organiser"

    meeting = models.ForeignKey(BranchMeeting, on_delete=models.CASCADE, related_name="reports")
    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="reports")
    version = models.PositiveIntegerField()
    source = models.CharField(max_length=10, choices=Source)
    reported_by = models.CharField(max_length=200, help_text="Name of whoever reported it.")
    link = models.ForeignKey(
        "members.BranchContactLink",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="nomination_reports",
    )
    created_at = models.DateTimeField(default=timezone.now)
    entries = models.JSONField(
        default=list,
        help_text="What was reported: a list of {position, candidate or name}.",
    )
    changes = models.TextField(blank=True, help_text="What changed from the previous version.")

    class Meta:
        ordering = ["meeting", "election", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "election", "version"], name="nominationreport_version_unique"
            ),
        ]

    def __str__(self):
        return f"{self.meeting} - {self.election.name} report v{self.version}"


class NominationQuerySet(models.QuerySet):
    def active(self):
        """Nominations not superseded by a later report."""
        return self.filter(superseded_by__isnull=True)


class Nomination(models.Model):
    """A branch meeting nominated a candidate (ours, or another's by name) for a position."""

    meeting = models.ForeignKey(BranchMeeting, on_delete=models.CASCADE, related_name="nominations")
    position = models.ForeignKey(Position, on_delete=models.CASCADE, related_name="nominations")
    candidate = models.ForeignKey(
        Candidate,
        null=True,
        blank=True,
        on_delete=models.PROTECT,  # a nomination of ours must not vanish with a slate edit
        related_name="nominations",
    )
    other_name = models.CharField(
        "other candidate",
        max_length=200,
        blank=True,
        help_text="Another faction's or an independent candidate, by name.",
    )
    report = models.ForeignKey(
        NominationReport,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="nominations",
    )
    superseded_by = models.ForeignKey(
        NominationReport,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="superseded_nominations",
        help_text="The later report that no longer lists this nomination.",
    )
    reported_by = models.CharField(max_length=200, blank=True)
    reported_at = models.DateTimeField(default=timezone.now)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="nominations_verified",
    )
    verified_at = models.DateTimeField(null=True, blank=True)

    objects = NominationQuerySet.as_manager()

    class Meta:
        ordering = ["meeting", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(candidate__isnull=False) & Q(other_name=""))
                | (Q(candidate__isnull=True) & ~Q(other_name="")),
                name="nomination_candidate_or_name",
            ),
            models.UniqueConstraint(
                fields=["meeting", "position", "candidate"],
                condition=Q(superseded_by__isnull=True, candidate__isnull=False),
                name="nomination_candidate_once",
            ),
            models.UniqueConstraint(
                "meeting",
                "position",
                Lower("other_name"),
                condition=Q(superseded_by__isnull=True, candidate__isnull=True),
                name="nomination_other_name_once",
            ),
            models.CheckConstraint(
                condition=Q(verified_by__isnull=True) | Q(verified_at__isnull=False),
                name="nomination_verified_has_time",
            ),
        ]
        indexes = [
            models.Index(
                fields=["position", "candidate"],
                condition=Q(superseded_by__isnull=True),
                name="nomination_active_idx",
            ),
        ]

    def __str__(self):
        return f"{self.meeting.branch.code}: {self.nominee} for {self.position.title}"

    @property
    def nominee(self) -> str:
        return self.candidate.name if self.candidate_id else self.other_name

    @property
    def is_verified(self) -> bool:
        return self.verified_by_id is not None

    def clean(self):
        from campaign import rules

        rules.check_nomination(self)
