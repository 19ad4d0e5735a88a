"""Meetings and events people can come to, and the replies (RSVPs) that say they will.

An event is hosted by a branch, so organisers see and manage the events of
the branches in their scope. A reply needs no account: a name, an email
address, optionally a branch, and consent to the exact words shown
(``campaign/consent.py``); it carries its own secret for the cancel link.
"""

import secrets

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from members.scoping import scope_for


def new_secret() -> str:
    return secrets.token_urlsafe(24)


class EventQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def upcoming(self, now=None):
        """Events not yet over, soonest first."""
        return self.filter(ends_at__gte=now or timezone.now()).order_by("starts_at", "pk")

    def visible_to(self, user):
        """Events hosted by a branch in this user's scope."""
        return scope_for(user).filter(self, branch_path="branch")

    def with_places_taken(self):
        """Annotate ``taken``: the live (not cancelled) replies, in the same query."""
        return self.annotate(taken=Count("rsvps", filter=Q(rsvps__cancelled_at__isnull=True)))


class Event(models.Model):
    """A meeting or event: a members' meeting open to non-members, a rally, a stall."""

    class Audience(models.TextChoices):
        PUBLIC = "public", "Anyone may come"
        MEMBERS = "members", "Members only"

    title = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=200, unique=True, help_text="The end of the event's web address."
    )
    description = models.TextField(
        blank=True, help_text="What it is about, in Markdown (links, lists, headings)."
    )
    starts_at = models.DateTimeField("starts")
    ends_at = models.DateTimeField("ends")
    place = models.CharField(
        max_length=300, blank=True, help_text="Where, for people coming in person."
    )
    online_url = models.URLField(
        "online link", max_length=500, blank=True, help_text="A video call link, if online."
    )
    branch = models.ForeignKey(
        "members.Branch",
        on_delete=models.PROTECT,  # an event without its host would fall out of every scope
        related_name="events",
        verbose_name="host branch",
        help_text="The branch holding it: organisers of its group or region manage the event.",
    )
    audience = models.CharField(
        max_length=10,
        choices=Audience,
        default=Audience.PUBLIC,
        help_text=(
            "Members only: the public page does not show the place or link; only replies "
            "from members' confirmed addresses are kept, and only they are told where it is."
        ),
    )
    capacity = models.PositiveIntegerField(
        null=True, blank=True, help_text="How many people can come. Empty: no limit."
    )
    is_published = models.BooleanField(
        "published", default=False, help_text="Shown on the public events pages."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "pk"]
        verbose_name = "event"
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="event_ends_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(place="") | ~Q(online_url=""), name="event_has_place_or_link"
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gt=0),
                name="event_capacity_positive",
            ),
        ]

    def __str__(self):
        return f"{self.title} ({timezone.localtime(self.starts_at):%d %b %Y})"

    def get_absolute_url(self):
        return reverse("campaign:event_detail", args=[self.slug])

    def clean(self):
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = "The event must end after it starts."
        if not self.place.strip() and not self.online_url.strip():
            errors["place"] = "Give a place, an online link, or both."
        if errors:
            raise ValidationError(errors)

    @property
    def members_only(self) -> bool:
        return self.audience == self.Audience.MEMBERS


class EventRSVP(models.Model):
    """One person's reply that they will come to an event; cancelled, not deleted."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="rsvps")
    name = models.CharField(max_length=200)
    email = models.EmailField(max_length=254)
    branch = models.ForeignKey(
        "members.Branch",
        on_delete=models.SET_NULL,  # the reply stands without the branch it named
        null=True,
        blank=True,
        related_name="+",
        help_text="The branch they said they are in, if any.",
    )
    consent_version = models.PositiveSmallIntegerField(
        help_text="The version of the consent wording they agreed to (campaign/consent.py)."
    )
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    attended = models.BooleanField(default=False, help_text="Ticked at the door.")
    reminded_at = models.DateTimeField(null=True, blank=True)
    last_emailed_at = models.DateTimeField(null=True, blank=True)
    secret = models.CharField(max_length=64, default=new_secret, editable=False)

    class Meta:
        ordering = ["event", "name", "pk"]
        verbose_name = "RSVP"
        verbose_name_plural = "RSVPs"
        constraints = [
            models.UniqueConstraint(
                "event",
                Lower("email"),
                condition=Q(cancelled_at__isnull=True),
                name="eventrsvp_one_live_per_email",
            ),
        ]

    def __str__(self):
        # No name: the admin log keeps this label, and the name must go with the reply.
        return f"RSVP {self.pk}"

    @property
    def is_live(self) -> bool:
        return self.cancelled_at is None
