"""Secret links that show an unpublished article to a reviewer."""

import secrets
from datetime import timedelta

from django.db import models
from django.urls import reverse
from django.utils import timezone

from articles import conf
from articles.models.article import Article


def _new_token() -> str:
    return secrets.token_urlsafe(24)


def _default_expiry():
    return timezone.now() + timedelta(days=conf.PREVIEW_DAYS)


class PreviewLinkQuerySet(models.QuerySet):
    def usable(self):
        return self.filter(revoked=False, expires_at__gt=timezone.now())


class PreviewLink(models.Model):
    """A secret address that shows an unpublished article to a reviewer without an account."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="preview_links")
    token = models.CharField(max_length=64, unique=True, default=_new_token, editable=False)
    expires_at = models.DateTimeField(
        default=_default_expiry, help_text="The link stops working then."
    )
    revoked = models.BooleanField(default=False, help_text="Tick to stop the link working now.")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PreviewLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "preview link"
        verbose_name_plural = "preview links"

    def __str__(self):
        return f"Preview of {self.article} until {self.expires_at:%d %b %Y}"

    def get_absolute_url(self):
        return reverse("articles:preview", kwargs={"token": self.token})
