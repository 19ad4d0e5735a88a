"""Old addresses (renamed slugs, merged tags, WordPress permalinks) that keep working."""

from django.db import models

from articles.models.article import Article
from articles.models.taxonomy import Author, Tag


class Redirect(models.Model):
    """An old address (renamed slug, merged tag, WordPress permalink) and where it now leads.

    The target is an object, not a path, so a later rename still lands on the
    current address.
    """

    old_path = models.CharField(
        max_length=500, unique=True, help_text="e.g. /2018/05/13/some-title/ or /?p=123"
    )
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    tag = models.ForeignKey(Tag, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(
        Author, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        ordering = ["old_path"]
        verbose_name = "redirect"
        verbose_name_plural = "redirects"
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(article__isnull=False, tag__isnull=True, author__isnull=True)
                    | models.Q(article__isnull=True, tag__isnull=False, author__isnull=True)
                    | models.Q(article__isnull=True, tag__isnull=True, author__isnull=False)
                ),
                name="redirect_exactly_one_target",
            )
        ]

    def __str__(self):
        return self.old_path

    @property
    def target(self):
        return self.article or self.tag or self.author

    @classmethod
    def remember(cls, *, old_path: str, article=None, tag=None, author=None):
        """Record (or repoint) an old address."""
        cls.objects.update_or_create(
            old_path=old_path, defaults={"article": article, "tag": tag, "author": author}
        )

    @classmethod
    def target_url(cls, old_path: str) -> str | None:
        """Return where an old address now leads, or None (one query)."""
        found = (
            cls.objects.filter(old_path=old_path).select_related("article", "tag", "author").first()
        )
        if found is None:
            return None
        if found.article_id and not found.article.is_public:
            return None
        return found.target.get_absolute_url()
