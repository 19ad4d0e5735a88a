"""What an article was and what was corrected: revisions and corrections."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from articles.models.article import Article


class Revision(models.Model):
    """The text of an article as it was before one of its saves."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,  # the history outlives the organiser's account
        related_name="+",
        help_text="The organiser whose save replaced this text (empty for imports and scripts).",
    )
    title = models.CharField(max_length=200)
    standfirst = models.TextField(blank=True)
    body_markdown = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "revision"
        verbose_name_plural = "revisions"

    def __str__(self):
        return f"{self.article} as of {self.created_at:%d %b %Y %H:%M}"


class Correction(models.Model):
    """A dated note, shown at the top of the article, saying what was corrected."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="corrections")
    note = models.TextField(help_text="What was wrong and what it now says. Plain text.")
    made_on = models.DateField(default=timezone.localdate)

    class Meta:
        ordering = ["-made_on", "-pk"]
        verbose_name = "correction"
        verbose_name_plural = "corrections"

    def __str__(self):
        return f"Correction of {self.made_on:%d %b %Y}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        # The article's pages change: move its Last-Modified on.
        Article.objects.filter(pk=self.article_id).update(updated_at=timezone.now())
