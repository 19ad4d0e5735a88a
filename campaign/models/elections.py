"""Elections, the positions they fill, the seats reserved in them, and our candidates."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Deferrable, Q
from django.db.models.functions import Lower
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
        if (
            self.pk
            and not self.is_stv
            and Candidate.objects.filter(position__election=self, preference__isnull=False).exists()
        ):
            errors["voting_method"] = (
                "Only an STV election has a recommended order of preferences. "
                "Clear the candidates' preference numbers first."
            )
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

    @property
    def is_stv(self) -> bool:
        """Counted by STV: the slate may recommend an order of preferences."""
        return self.voting_method == self.VotingMethod.STV

    def branches_q(self, prefix: str = "") -> Q:
        """A Q over branches (reached by prefix) that can nominate in this election."""
        if self.group_id is None:
            return Q()
        return Q(**{f"{prefix}group_id": self.group_id})


class ElectionRedirect(models.Model):
    """An election's old slug: its old slate address answers with a permanent redirect."""

    old_slug = models.SlugField(max_length=80, unique=True)
    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="old_slugs")

    class Meta:
        ordering = ["old_slug"]
        verbose_name = "old election address"

    def __str__(self):
        return f"/elections/{self.old_slug}/"

    @classmethod
    def remember(cls, *, election: "Election", old_slug: str) -> None:
        """Keep `old_slug` leading to the election; its current slug is never shadowed."""
        if old_slug and old_slug != election.slug:
            cls.objects.update_or_create(old_slug=old_slug, defaults={"election": election})
        cls.objects.filter(old_slug=election.slug).delete()


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

    @property
    def recommended_order(self) -> list["Candidate"]:
        """Our candidates with a preference number, 1 first (uses prefetched candidates)."""
        return sorted(
            (c for c in self.candidates.all() if c.preference), key=lambda c: c.preference
        )


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


def preference_order_error(numbers) -> str | None:
    """Why these preference numbers (None for unnumbered) are no order: 1..N, once each."""
    given = sorted(n for n in numbers if n is not None)
    if len(set(given)) != len(given):
        return "Each preference number can be given to only one candidate for this position."
    if given != list(range(1, len(given) + 1)):
        expected = ", ".join(str(n) for n in range(1, len(given) + 1))
        return (
            f"The recommended order must run 1, 2, 3 ... with no gaps: "
            f"with {len(given)} numbered, use {expected}."
        )
    return None


class Candidate(models.Model):
    """One of the candidates our slate backs for a position, in slate order."""

    class Affiliation(models.TextChoices):
        OURS = "ours", "Our slate"
        PARTNER = "partner", "Joint slate partner"
        INDEPENDENT = "independent", "Independent"

    position = models.ForeignKey(Position, on_delete=models.CASCADE, related_name="candidates")
    name = models.CharField(max_length=200)
    affiliation = models.CharField(
        max_length=12,
        choices=Affiliation,
        default=Affiliation.OURS,
        help_text="On a joint slate: one of ours, a partner group's, or an independent we back.",
    )
    partner = models.CharField(
        "partner group",
        max_length=100,
        blank=True,
        help_text="For a joint slate partner's candidate: the partner's name, e.g. 'Broad Left'.",
    )
    preference = models.PositiveSmallIntegerField(
        "recommended preference",
        null=True,
        blank=True,
        help_text="STV elections only: our recommended preference (1, 2, 3 ...). "
        "Leave empty to leave them out of the recommended order.",
    )
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
            # Deferred: a reorder in the admin swaps numbers one row at a time.
            models.UniqueConstraint(
                fields=["position", "preference"],
                name="candidate_preference_unique_per_position",
                deferrable=Deferrable.DEFERRED,
            ),
            models.CheckConstraint(
                condition=Q(preference__isnull=True) | Q(preference__gte=1),
                name="candidate_preference_positive",
            ),
            models.CheckConstraint(
                condition=Q(affiliation="partner", partner__gt="")
                | (~Q(affiliation="partner") & Q(partner="")),
                name="candidate_partner_named_only_for_partners",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def affiliation_label(self) -> str:
        """How the slate page names a candidate who is not one of ours ("" for ours)."""
        if self.affiliation == self.Affiliation.PARTNER:
            return f"Joint slate: {self.partner}"
        if self.affiliation == self.Affiliation.INDEPENDENT:
            return "Independent"
        return ""

    def clean(self):
        errors = {}
        if self.position_id and self.name:
            clash = Candidate.objects.filter(
                position_id=self.position_id, name__iexact=self.name.strip()
            ).exclude(pk=self.pk)
            if clash.exists():
                errors["name"] = "This candidate is already on the slate for this position."
        self.partner = self.partner.strip()
        if self.affiliation == self.Affiliation.PARTNER and not self.partner:
            errors["partner"] = "Name the joint slate partner this candidate comes from."
        elif self.affiliation != self.Affiliation.PARTNER and self.partner:
            errors["partner"] = "Only a joint slate partner's candidate has a partner group."
        if self.preference is not None and self.position_id:
            if not self.position.election.is_stv:
                errors["preference"] = (
                    "Only an STV election has a recommended order: leave this empty."
                )
            elif self.preference < 1:
                errors["preference"] = "Preferences start at 1."
        if errors:
            raise ValidationError(errors)
