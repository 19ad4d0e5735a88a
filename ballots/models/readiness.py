"""A branch's figures before a ballot, and the targets they are measured against."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import capfirst

from ballots.models.figures import EnteredFigures, Source, format_count
from members.models import Branch


class BranchReadiness(EnteredFigures):
    """A dated snapshot of a branch's figures. Never edited: a new figure is a new row."""

    Source = Source

    branch = models.ForeignKey(Branch, on_delete=models.CASCADE, related_name="readiness")
    taken_on = models.DateField(help_text="The date these figures describe.")
    members = models.PositiveIntegerField(help_text="Union members in the branch.")
    staff_in_post = models.PositiveIntegerField(
        null=True, blank=True, help_text="Everyone employed in the branch's area, members or not."
    )
    with_email = models.PositiveIntegerField("members with a personal email")
    with_mobile = models.PositiveIntegerField("members with a mobile number")
    with_contact = models.PositiveIntegerField(
        "members with a personal email or mobile",
        help_text="Members we can reach personally by either route (count each person once).",
    )
    with_home_address = models.PositiveIntegerField(
        "members with a home ballot address",
        help_text="Members whose ballot paper goes to a home address, not a workplace.",
    )
    reps = models.PositiveIntegerField("reps", default=0)
    advocates = models.PositiveIntegerField("workplace advocates", default=0)
    meetings_held = models.PositiveIntegerField("members' meetings held", default=0)
    ballot_committee = models.BooleanField("ballot committee formed", default=False)

    class Meta:
        ordering = ["branch", "-taken_on", "-id"]
        verbose_name = "branch readiness snapshot"
        indexes = [
            models.Index(fields=["branch", "-taken_on", "-id"], name="readiness_branch_latest_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(with_email__lte=F("members"))
                & Q(with_mobile__lte=F("members"))
                & Q(with_contact__lte=F("members"))
                & Q(with_home_address__lte=F("members"))
                & Q(reps__lte=F("members")),
                name="branchreadiness_counts_within_members",
            ),
            models.CheckConstraint(
                condition=Q(with_contact__gte=F("with_email"))
                & Q(with_contact__gte=F("with_mobile"))
                & Q(with_contact__lte=F("with_email") + F("with_mobile")),
                name="branchreadiness_contact_consistent",
            ),
            models.CheckConstraint(
                condition=Q(staff_in_post__isnull=True) | Q(staff_in_post__gte=F("members")),
                name="branchreadiness_members_within_staff",
            ),
        ]

    def __str__(self):
        return f"{self.branch} on {self.taken_on:%d %b %Y}"

    WITHIN_MEMBERS = ["with_email", "with_mobile", "with_contact", "with_home_address", "reps"]

    def clean(self):
        """The constraints' rules, in messages that name the figures (each on its field).

        A figure left empty or not a number is the form's to report: the rules that
        need it are skipped rather than reported against a guess."""
        errors = {}
        if self.taken_on and self.taken_on > timezone.localdate():
            errors["taken_on"] = ValidationError(
                "The date of these figures must be today or in the past", code="future"
            )
        members = self.members
        if members is not None:
            for field in self.WITHIN_MEMBERS:
                value = getattr(self, field)
                if value is not None and value > members:
                    label = capfirst(self._meta.get_field(field).verbose_name)
                    errors[field] = (
                        f"{label} cannot be more than the members ({format_count(members)})"
                    )
            if self.staff_in_post is not None and self.staff_in_post < members:
                errors["staff_in_post"] = (
                    f"Staff in post cannot be fewer than the members ({format_count(members)}). "
                    "Leave it empty if you do not know"
                )
        email, mobile, contact = self.with_email, self.with_mobile, self.with_contact
        # Compared only with an email and a mobile figure that are themselves right.
        checked = not errors.keys() & {"with_email", "with_mobile", "with_contact"}
        if checked and None not in (email, mobile, contact):
            either = capfirst(self._meta.get_field("with_contact").verbose_name)
            if contact < max(email, mobile):
                if email >= mobile:
                    other = f"those with a personal email ({format_count(email)})"
                else:
                    other = f"those with a mobile number ({format_count(mobile)})"
                errors["with_contact"] = f"{either} cannot be fewer than {other}"
            elif contact > email + mobile:
                errors["with_contact"] = (
                    f"{either} cannot be more than those with an email plus those with a "
                    f"mobile ({format_count(email)} + {format_count(mobile)} = "
                    f"{format_count(email + mobile)})"
                )
        if errors:
            raise ValidationError(errors)


class ReadinessThreshold(models.Model):
    """The targets behind the ready / close / not ready status (one row, editable)."""

    min_density = models.PositiveSmallIntegerField(
        default=50, help_text="Members as a % of staff in post."
    )
    min_contact = models.PositiveSmallIntegerField(
        default=80, help_text="% of members with a personal email or mobile."
    )
    max_workplace_address = models.PositiveSmallIntegerField(
        default=10, help_text="Highest % of members whose ballot paper goes to a workplace."
    )
    min_reps_per_100 = models.DecimalField(
        max_digits=5, decimal_places=1, default=2, help_text="Reps per 100 members."
    )
    min_meetings = models.PositiveSmallIntegerField(default=1, help_text="Members' meetings held.")
    require_committee = models.BooleanField(
        default=True, help_text="Whether a branch needs a ballot committee to be ready."
    )
    close_margin = models.PositiveSmallIntegerField(
        default=10,
        help_text="A figure within this many percentage points (or reps per 100) of its "
        "target counts as 'close' rather than 'not ready'.",
    )

    class Meta:
        verbose_name = "readiness threshold"
        verbose_name_plural = "readiness thresholds"
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="readinessthreshold_singleton"),
            models.CheckConstraint(
                condition=Q(min_density__lte=100)
                & Q(min_contact__lte=100)
                & Q(max_workplace_address__lte=100),
                name="readinessthreshold_percentages",
            ),
        ]

    def __str__(self):
        return "Readiness thresholds"

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> "ReadinessThreshold":
        """Return the one row, created with the defaults if missing."""
        return cls.objects.get_or_create(pk=1)[0]
