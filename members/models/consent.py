"""Consent to be contacted, with the exact wording shown."""

from django.core.exceptions import ValidationError
from django.db import models

from members.models.people import Member


class ConsentKind(models.TextChoices):
    FACTION = "faction", "Contact from the faction"
    BRANCH = "branch", "Contact from local organisers about my branch"


class ConsentWording(models.Model):
    """One version of the exact words a person agreed to. Never edited once used."""

    kind = models.CharField(max_length=20, choices=ConsentKind)
    version = models.PositiveSmallIntegerField()
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "-version"]
        verbose_name = "consent wording"
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "version"], name="consentwording_unique_version"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} v{self.version}"


class Consent(models.Model):
    """A consent a member gave, pointing at the wording they saw; withdrawn or not."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(max_length=20, choices=ConsentKind)
    wording = models.ForeignKey(
        ConsentWording,
        on_delete=models.PROTECT,  # the proof of what was agreed must outlive edits
        related_name="consents",
    )
    given_at = models.DateTimeField()
    source = models.CharField(
        max_length=50, help_text="Where it was given: 'join form', 'manage page', 'import'."
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_source = models.CharField(
        max_length=100,
        blank=True,
        default="",
        db_default="",  # bulk loads (members/demo.py COPY, imports) leave it out
        help_text="Where it was withdrawn: 'manage page', 'unsubscribe link (broadcast 12)'.",
    )

    class Meta:
        ordering = ["member", "-given_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "kind"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="consent_one_live_per_kind",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.wording})"

    def clean(self):

        if self.wording_id and self.wording.kind != self.kind:
            raise ValidationError({"wording": "This wording is for a different kind of consent."})
