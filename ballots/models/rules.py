"""The law as data: one row per version of a rule of industrial-action ballot law.

Which version applies to an event is worked out in ballots/rules.py.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q


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
