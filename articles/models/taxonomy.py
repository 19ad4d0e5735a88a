"""Who wrote an article and what it is about: authors and tags."""

from django.conf import settings
from django.db import models

from core.links import cached_reverse


class Author(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(
        max_length=120, unique=True, help_text="Used in the address of the author's page."
    )
    bio = models.TextField(
        blank=True, help_text="One or two sentences shown under their articles: who they are."
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,  # the byline outlives the organiser's account
        related_name="author_profiles",
        help_text="The organiser account of this author, if they have one.",
    )
    wp_login = models.CharField(max_length=120, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "author"
        verbose_name_plural = "authors"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return cached_reverse("articles:author", self.slug)


class Tag(models.Model):
    """A topic. Rename it with ``articles.services.tag_save``: its old address
    redirects and its articles' search vectors take the new name."""

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(
        max_length=80, unique=True, help_text="Used in the address of the tag's page."
    )
    description = models.TextField(blank=True, help_text="Shown at the top of the tag's page.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "tag"
        verbose_name_plural = "tags"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return cached_reverse("articles:tag", self.slug)
