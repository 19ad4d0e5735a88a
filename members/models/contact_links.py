"""Branch contacts' personal links: how they report without a password."""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class BranchContactLinkQuerySet(models.QuerySet):
    def live(self, now=None):
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now)


class BranchContactLink(models.Model):
    """A personal, expiring, revocable link for a branch contact (no password).

    Interface (shared with the ballots app, keep it stable):

    * ``link, token = BranchContactLink.issue(branch=, contact_name=, email=,
      created_by=, days=)`` creates a link and returns the raw token once. Only
      its SHA-256 hash is stored, so a leaked database cannot be turned into links.
    * ``BranchContactLink.create_unsent(...)`` (same arguments) creates a link
      with no usable token; ``link.new_token()`` gives it a fresh one (the old
      one stops working) and returns it. The emailing task does this at send
      time, so no raw token is ever passed through the task queue's table.
    * ``BranchContactLink.from_token(token)`` returns the live link (not expired,
      not revoked) for a raw token, or None for anything else (unknown, tampered,
      expired, revoked, empty). It records ``last_used_at``.
    * ``link.revoke()``; ``link.is_live``; ``link.branch`` is what the holder may
      report for, and nothing else.
    """

    branch = models.ForeignKey(
        "members.Branch", on_delete=models.CASCADE, related_name="contact_links"
    )
    contact_name = models.CharField(max_length=200)
    email = models.EmailField()
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,  # the link's history outlives the organiser's account
        related_name="contact_links_created",
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = BranchContactLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "branch contact link"
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="branchcontactlink_expires_after_created",
            ),
        ]

    def __str__(self):
        return f"{self.contact_name} ({self.branch.code})"

    @classmethod
    def issue(cls, *, branch, contact_name: str, email: str, created_by=None, days: int = 60):
        """Create a link; return (link, raw token). The token is not stored."""
        token = secrets.token_urlsafe(32)
        link = cls._create(
            token,
            branch=branch,
            contact_name=contact_name,
            email=email,
            created_by=created_by,
            days=days,
        )
        return link, token

    @classmethod
    def create_unsent(
        cls, *, branch, contact_name: str, email: str, created_by=None, days: int = 60
    ) -> "BranchContactLink":
        """Create a link that no token opens yet; ``new_token()`` gives it one when it is sent.

        The stored hash is of a random token that is thrown away at once, so
        nobody holds a token for it (and ``token_hash`` stays unique).
        """
        return cls._create(
            secrets.token_urlsafe(32),
            branch=branch,
            contact_name=contact_name,
            email=email,
            created_by=created_by,
            days=days,
        )

    @classmethod
    def _create(cls, token: str, *, days: int, **fields) -> "BranchContactLink":
        now = timezone.now()
        return cls.objects.create(
            token_hash=_hash_token(token),
            created_at=now,
            expires_at=now + datetime.timedelta(days=days),
            **fields,
        )

    def new_token(self) -> str:
        """Give the link a fresh token and return it; any earlier token stops working."""
        token = secrets.token_urlsafe(32)
        self.token_hash = _hash_token(token)
        self.save(update_fields=["token_hash"])
        return token

    @classmethod
    def from_token(cls, token) -> "BranchContactLink | None":
        """Return the live link for this raw token, or None."""
        if not token or not isinstance(token, str) or len(token) > 200:
            return None
        link = (
            cls.objects.live()
            .select_related("branch")
            .filter(token_hash=_hash_token(token))
            .first()
        )
        if link is not None:
            cls.objects.filter(pk=link.pk).update(last_used_at=timezone.now())
        return link

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])
