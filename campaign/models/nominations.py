"""What branch meetings nominated, and the reports of it, kept version by version."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from campaign import rules
from campaign.models.elections import Candidate, Election, Position
from campaign.models.meetings import BranchMeeting


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

    def competing(self) -> list["Nomination"]:
        """Return the branch's other live nominations for this position, at any meeting.

        The rules hold per branch, across all its meetings (an AGM and an EGM), as the
        nomination_within_seats trigger checks them. A superseded nomination takes no
        seat, so nothing competes with it.
        """
        if not (self.position_id and self.meeting_id) or self.superseded_by_id is not None:
            return []
        others = (
            Nomination.objects.active()
            .filter(meeting__branch_id=self.meeting.branch_id, position_id=self.position_id)
            .select_related("meeting", "candidate")
        )
        if self.pk:
            others = others.exclude(pk=self.pk)
        return list(others)

    def clean(self):
        rules.check_nomination(self, others=self.competing())
