"""Ballot readiness, the legal clock and turnout while a ballot runs.

The law is data (LegalRule rows with the dates they apply from), never a
constant in code: see ballots/rules.py for how a rule is chosen for a date.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.functional import cached_property
from django.utils.text import capfirst

from members.models import Branch, Group
from members.scoping import scope_for


def format_count(value: int) -> str:
    """A count as people write it in a message: 1,200."""
    return number_format(value, force_grouping=True)


class LegalRule(models.Model):
    """One version of one rule of industrial-action ballot law, and when it applies."""

    class Kind(models.TextChoices):
        TURNOUT = "turnout", "Turnout threshold (% of those entitled who must vote)"
        SUPPORT_IPS = "support_ips", "Support threshold in important public services (% yes)"
        NOTICE_OF_BALLOT = "notice_of_ballot", "Notice of ballot to employer (days before opening)"
        SAMPLE_PAPER = "sample_paper", "Sample voting paper to employer (days before opening)"
        NOTICE_OF_ACTION = "notice_of_action", "Notice of industrial action (days before action)"
        MANDATE_LENGTH = "mandate_length", "Mandate length (months from close of ballot)"
        VOTING_METHOD = "voting_method", "Permitted voting methods"

    class Status(models.TextChoices):
        IN_FORCE = "in_force", "In force"
        ENACTED = "enacted", "Enacted, not yet commenced"
        PROPOSED = "proposed", "Proposed"

    class DecidedBy(models.TextChoices):
        BALLOT_OPENS = "ballot_opens", "The date the ballot opens"
        BALLOT_CLOSES = "ballot_closes", "The date the ballot closes"
        NOTICE_RECEIVED = "notice_received", "The date the employer receives the notice"

    # The events whose dates are known when each kind of rule is worked out. A ballot's
    # thresholds, notices and mandate are settled from the ballot itself, before any
    # notice of action exists; a notice of action is worked out for an action day,
    # with the ballot's dates known and the day of receipt the thing being sought.
    BALLOT_EVENTS = (DecidedBy.BALLOT_OPENS, DecidedBy.BALLOT_CLOSES)
    EVENTS_KNOWN = {
        Kind.TURNOUT: BALLOT_EVENTS,
        Kind.SUPPORT_IPS: BALLOT_EVENTS,
        Kind.NOTICE_OF_BALLOT: BALLOT_EVENTS,
        Kind.SAMPLE_PAPER: BALLOT_EVENTS,
        Kind.MANDATE_LENGTH: BALLOT_EVENTS,
        Kind.VOTING_METHOD: BALLOT_EVENTS,
        Kind.NOTICE_OF_ACTION: (*BALLOT_EVENTS, DecidedBy.NOTICE_RECEIVED),
    }

    kind = models.CharField(max_length=30, choices=Kind)
    value = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="The number (a percentage, days or months, by kind). Leave empty where "
        "this row repeals the requirement, or for voting methods.",
    )
    value_by_agreement = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="The figure that applies where the employer agrees (e.g. 7 days' notice "
        "of action, 9 months' mandate). Empty if no such option.",
    )
    text = models.CharField(
        max_length=200, blank=True, help_text="For voting methods: which methods are permitted."
    )
    effective_from = models.DateField(
        null=True,
        blank=True,
        help_text="The first event date this version applies to. Empty while commencement "
        "is not confirmed.",
    )
    decided_by = models.CharField(
        max_length=20,
        choices=DecidedBy,
        help_text="Which event's date decides whether this version applies. A notice "
        "of action may be decided by the day the employer receives it; every rule may be "
        "decided by the ballot's opening or closing date.",
    )
    status = models.CharField(max_length=20, choices=Status, default=Status.IN_FORCE)
    source = models.TextField(help_text="Where this comes from: the Act, section, order, date.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", F("effective_from").asc(nulls_last=True), "status"]
        verbose_name = "legal rule"
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="in_force") | Q(effective_from__isnull=False),
                name="legalrule_in_force_has_date",
            ),
            models.UniqueConstraint(
                fields=["kind", "effective_from"],
                condition=Q(status="in_force"),
                name="legalrule_one_in_force_per_date",
            ),
        ]

    def __str__(self):
        when = f"from {self.effective_from:%d %b %Y}" if self.effective_from else "date not set"
        return f"{self.get_kind_display()}: {self.describe()} ({when}, {self.get_status_display()})"

    def clean(self):
        if self.status == self.Status.IN_FORCE and self.effective_from is None:
            raise ValidationError(
                {"effective_from": "A rule in force needs the date it applies from."}
            )
        known = self.EVENTS_KNOWN.get(self.kind)
        if known is not None and self.decided_by and self.decided_by not in known:
            choices = " or ".join(self.DecidedBy(e).label.lower() for e in known)
            event = dict(self.DecidedBy.choices).get(self.decided_by, repr(self.decided_by))
            raise ValidationError(
                {
                    "decided_by": f"This app cannot work out a "
                    f"{self.get_kind_display().split(' (')[0].lower()} rule by "
                    f"{event[:1].lower() + event[1:]}: that date is not known when the "
                    f"rule is applied. Choose {choices}."
                }
            )
        if (
            self.status == self.Status.IN_FORCE
            and LegalRule.objects.filter(
                kind=self.kind, effective_from=self.effective_from, status=self.status
            )
            .exclude(pk=self.pk)
            .exists()
        ):
            raise ValidationError(
                {"effective_from": "Another version of this rule is in force from that date."}
            )

    @property
    def repealed(self) -> bool:
        return self.value is None and self.kind != self.Kind.VOTING_METHOD

    def describe(self) -> str:
        """Say the rule's value in words."""
        if self.kind == self.Kind.VOTING_METHOD:
            return self.text or "not stated"
        if self.value is None:
            return "no requirement (repealed)"
        unit = {
            self.Kind.TURNOUT: "%",
            self.Kind.SUPPORT_IPS: "%",
            self.Kind.MANDATE_LENGTH: " months",
        }.get(self.kind, " days")
        text = f"{self.value}{unit}"
        if self.value_by_agreement is not None:
            text += f" ({self.value_by_agreement}{unit} by agreement)"
        return text


class BargainingUnitQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Return the units this organiser may see.

        Group organisers see their group's units; regional organisers see units with
        at least one branch in their region (their figures cover only those branches).
        """
        scope = scope_for(user)
        if not scope.members:
            return self.none()
        if scope.everything:
            return self
        if scope.group_id is not None:
            return self.filter(group_id=scope.group_id)
        if scope.region_id is not None:
            return self.filter(
                Exists(
                    UnitBranch.objects.filter(
                        unit=OuterRef("pk"), branch__region_id=scope.region_id
                    )
                )
            )
        return self.none()


class BargainingUnit(models.Model):
    """An employer a statutory ballot is counted for: each must pass on its own."""

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="bargaining_units")
    code = models.SlugField(max_length=40, unique=True, help_text="Short code, e.g. 'dwp-jcp'.")
    name = models.CharField(max_length=200)
    important_public_service = models.BooleanField(
        default=False,
        help_text="Tick if most members in this unit work in an important public service "
        "(health, education, fire, transport, border security, nuclear decommissioning): "
        "the 40% support threshold then applies while the law keeps it.",
    )
    branches = models.ManyToManyField(Branch, through="UnitBranch", related_name="+", blank=True)

    objects = BargainingUnitQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = "bargaining unit"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("admin:ballots_bargainingunit_change", args=[self.pk])


class UnitBranch(models.Model):
    """A branch whose members are counted in a bargaining unit (one unit per branch)."""

    unit = models.ForeignKey(BargainingUnit, on_delete=models.CASCADE, related_name="unit_branches")
    branch = models.OneToOneField(Branch, on_delete=models.CASCADE, related_name="ballot_unit_link")

    class Meta:
        ordering = ["unit", "branch"]
        verbose_name = "branch in unit"
        verbose_name_plural = "branches in unit"

    def __str__(self):
        return f"{self.branch} in {self.unit}"

    def clean(self):
        if self.unit_id and self.branch_id and self.unit.group_id != self.branch.group_id:
            raise ValidationError({"branch": "This branch belongs to another group."})


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


class StructureTestQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Return tests on branches in scope, or on units this organiser may see."""
        scope = scope_for(user)
        if not scope.members:
            return self.none()
        if scope.everything:
            return self
        units = BargainingUnit.objects.visible_to(user).values("pk")
        return self.filter(Q(branch__isnull=False) & scope.q("branch") | Q(unit__in=units))


class StructureTest(models.Model):
    """A target that tests the organisation, e.g. 70% of members sign by 14 March."""

    title = models.CharField(max_length=200, help_text="e.g. 'Sign the pay petition'.")
    branch = models.ForeignKey(
        Branch, null=True, blank=True, on_delete=models.CASCADE, related_name="structure_tests"
    )
    unit = models.ForeignKey(
        BargainingUnit,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="structure_tests",
    )
    target_percent = models.PositiveSmallIntegerField(help_text="% of members to reach.")
    deadline = models.DateField()

    objects = StructureTestQuerySet.as_manager()

    class Meta:
        ordering = ["deadline", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(branch__isnull=True, unit__isnull=False)
                | Q(branch__isnull=False, unit__isnull=True),
                name="structuretest_branch_xor_unit",
            ),
            models.CheckConstraint(
                condition=Q(target_percent__gte=1, target_percent__lte=100),
                name="structuretest_target_percent",
            ),
        ]

    def __str__(self):
        return f"{self.title}: {self.target_percent}% of {self.branch or self.unit}"

    def clean(self):
        if bool(self.branch_id) == bool(self.unit_id):
            raise ValidationError("Choose a branch or a bargaining unit, not both.")
        if self.target_percent is not None and not 1 <= self.target_percent <= 100:
            raise ValidationError({"target_percent": "Enter a percentage from 1 to 100."})

    def latest(self):
        return self.progress.order_by("-recorded_on", "-id").first()


class StructureTestProgress(models.Model):
    """Progress towards a structure test on a date."""

    test = models.ForeignKey(StructureTest, on_delete=models.CASCADE, related_name="progress")
    recorded_on = models.DateField()
    done = models.PositiveIntegerField(help_text="Members who have done it by this date.")
    out_of = models.PositiveIntegerField(help_text="Members it applies to.")

    class Meta:
        ordering = ["test", "-recorded_on"]
        verbose_name_plural = "structure test progress"
        constraints = [
            models.CheckConstraint(
                condition=Q(done__lte=F("out_of")), name="structuretestprogress_done_within"
            ),
        ]

    def __str__(self):
        return f"{self.done} of {self.out_of} on {self.recorded_on:%d %b %Y}"

    def clean(self):
        if self.done is not None and self.out_of is not None and self.done > self.out_of:
            raise ValidationError({"done": "Cannot be more than the members it applies to."})

    @property
    def percent(self) -> float:
        return 100 * self.done / self.out_of if self.out_of else 0.0

    @property
    def met(self) -> bool:
        return self.percent >= self.test.target_percent


class BallotQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Return ballots covering at least one unit this organiser may see."""
        units = BargainingUnit.objects.visible_to(user)
        return self.filter(Exists(BallotUnit.objects.filter(ballot=OuterRef("pk"), unit__in=units)))

    def wholly_visible_to(self, user):
        """Return ballots with nothing outside this organiser's scope: every unit, every
        branch of those units and every branch that has sent a return is theirs. Only
        these may they change or delete: a shared ballot's dates are every unit's legal
        clock, and deleting it deletes its units' entitlements and all its returns."""
        if scope_for(user).everything:
            return self
        units = BargainingUnit.objects.visible_to(user)
        branches = Branch.objects.visible_to(user)
        return (
            self.visible_to(user)
            .exclude(
                Exists(BallotUnit.objects.filter(ballot=OuterRef("pk")).exclude(unit__in=units))
            )
            .exclude(
                # A regional organiser sees a unit with one branch in their region; a
                # unit that also has branches elsewhere is not wholly theirs.
                Exists(
                    UnitBranch.objects.filter(unit__ballot_units__ballot=OuterRef("pk")).exclude(
                        branch__in=branches
                    )
                )
            )
            .exclude(
                Exists(
                    TurnoutReturn.objects.filter(ballot=OuterRef("pk")).exclude(branch__in=branches)
                )
            )
        )


class Ballot(models.Model):
    """A consultative or statutory ballot over one or more bargaining units."""

    class Kind(models.TextChoices):
        CONSULTATIVE = "consultative", "Consultative"
        STATUTORY = "statutory", "Statutory (industrial action)"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.STATUTORY)
    units = models.ManyToManyField(BargainingUnit, through="BallotUnit", related_name="ballots")
    opens_on = models.DateField(help_text="The first day of voting.")
    closes_on = models.DateField(help_text="The last day of voting.")
    replacement_cutoff = models.DateField(
        null=True, blank=True, help_text="Last day to ask for a replacement ballot paper."
    )
    new_member_cutoff = models.DateField(
        null=True, blank=True, help_text="Members who join after this date get no vote."
    )
    notice_of_ballot_sent_on = models.DateField(
        null=True, blank=True, help_text="The date the employer received the notice of ballot."
    )
    sample_paper_sent_on = models.DateField(
        null=True, blank=True, help_text="The date the employer received the sample paper."
    )
    by_agreement = models.BooleanField(
        default=False,
        help_text="Tick if the employer has agreed to the shorter notice / longer mandate "
        "the law allows by agreement.",
    )

    objects = BallotQuerySet.as_manager()

    class Meta:
        ordering = ["-opens_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=F("opens_on")), name="ballot_closes_after_opening"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("ballots:dashboard", args=[self.pk])

    def clean(self):
        if self.opens_on and self.closes_on and self.closes_on < self.opens_on:
            raise ValidationError(
                {
                    "closes_on": "The date the ballot closes must be the same as or after the "
                    f"date it opens ({self.opens_on:%-d %B %Y})"
                }
            )

    @property
    def statutory(self) -> bool:
        return self.kind == self.Kind.STATUTORY

    def wholly_visible_to(self, user) -> bool:
        """Whether every unit and branch in this ballot is in the organiser's scope
        (so they may change its dates and action dates, or delete it)."""
        if scope_for(user).everything:
            return True
        return Ballot.objects.wholly_visible_to(user).filter(pk=self.pk).exists()


class BallotUnit(models.Model):
    """A bargaining unit in a ballot, with the number entitled to vote there."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="ballot_units")
    unit = models.ForeignKey(BargainingUnit, on_delete=models.PROTECT, related_name="ballot_units")
    entitled = models.PositiveIntegerField(
        help_text="Members entitled to vote in this unit (from the notice of ballot)."
    )

    class Meta:
        ordering = ["ballot", "unit"]
        constraints = [
            models.UniqueConstraint(fields=["ballot", "unit"], name="ballotunit_unit_once"),
        ]

    def __str__(self):
        return f"{self.unit} in {self.ballot}"


class ActionDate(models.Model):
    """A planned day of industrial action under a ballot's mandate."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="action_dates")
    starts_on = models.DateField()
    notice_received_on = models.DateField(
        null=True, blank=True, help_text="The date the employer received notice of this action."
    )

    class Meta:
        ordering = ["ballot", "starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["ballot", "starts_on"], name="actiondate_once"),
        ]

    def __str__(self):
        return f"Action on {self.starts_on:%d %b %Y}"


class TurnoutReturn(EnteredFigures):
    """How many members of a branch have told us they voted, as of a date (cumulative)."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="turnout_returns")
    branch = models.ForeignKey(Branch, on_delete=models.CASCADE, related_name="turnout_returns")
    counted_on = models.DateField(help_text="The date of the count.")
    voted = models.PositiveIntegerField(help_text="Members who have told us they voted, so far.")

    class Meta:
        ordering = ["ballot", "branch", "-counted_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["ballot", "branch", "counted_on"], name="turnoutreturn_one_per_day"
            ),
        ]
        indexes = [
            models.Index(fields=["ballot", "branch", "-counted_on"], name="turnout_latest_idx")
        ]

    def __str__(self):
        return f"{self.branch}: {self.voted} voted by {self.counted_on:%d %b %Y}"

    @cached_property
    def entitled(self) -> int | None:
        """Members entitled to vote in the branch's unit in this ballot (None if the branch
        is in none of its units). The importers set it for every row from one query."""
        return (
            BallotUnit.objects.filter(
                ballot_id=self.ballot_id, unit__unit_branches__branch_id=self.branch_id
            )
            .values_list("entitled", flat=True)
            .first()
        )

    def clean(self):
        if not self.ballot_id:
            return
        ballot, errors = self.ballot, {}
        if self.counted_on and not ballot.opens_on <= self.counted_on <= ballot.closes_on:
            errors["counted_on"] = (
                f"The date of the count must be between {ballot.opens_on:%-d %B %Y} and "
                f"{ballot.closes_on:%-d %B %Y}, while voting runs"
            )
        if self.branch_id:
            if self.entitled is None:
                errors["branch"] = f"This branch is not in a unit that {ballot} covers"
            elif self.voted is not None and self.voted > self.entitled:
                errors["voted"] = (
                    "Members who have voted cannot be more than the members entitled to vote "
                    f"({format_count(self.entitled)})"
                )
        if errors:
            raise ValidationError(errors)
