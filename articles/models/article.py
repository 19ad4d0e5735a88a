"""Articles: what the public reads, and the queries its lists are built from."""

from datetime import timedelta

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.expressions import RawSQL
from django.utils import timezone

from articles.models.taxonomy import Author, Tag
from articles.rendering import render
from core.links import cached_reverse
from core.uploads import safe_upload_to, validate_image

#: The width sharing sites (Facebook, X, Mastodon) show a large card at.
SHARE_IMAGE_WIDTH = 1200


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """Return the articles the public may read now.

        A scheduled article becomes visible when its time comes: the check runs
        in the query, so no job has to flip its status. (The app server's clock
        rather than the database's, so tests can move time.)
        """
        return self.filter(
            status__in=[Article.Status.PUBLISHED, Article.Status.SCHEDULED],
            published_at__lte=timezone.now(),
        )

    def next_publication(self):
        """When the next article due in the future goes public, or None."""
        return (
            self.filter(
                status__in=[Article.Status.PUBLISHED, Article.Status.SCHEDULED],
                published_at__gt=timezone.now(),
            )
            .order_by("published_at")
            .values_list("published_at", flat=True)
            .first()
        )

    def for_listing(self):
        """Return articles with what a list item shows, in one query.

        Authors and tags come with each article as JSON (``listed_authors`` and
        ``listed_tags`` read them), not as two more queries through the ORM.
        """
        a = Article._meta.db_table
        aa, at = Article.authors.through._meta.db_table, Article.tags.through._meta.db_table
        au, t = Author._meta.db_table, Tag._meta.db_table
        # Only what a list item shows: every other column is a value converted
        # (dates, JSON, the image field) for each of twenty rows, then unused.
        return self.only("title", "slug", "standfirst", "published_at").annotate(
            author_rows=RawSQL(  # noqa: S611 - no input in it
                f"""SELECT json_agg(json_build_array(au.id, au.name, au.slug)
                                    ORDER BY au.name, au.id)
                      FROM {au} au JOIN {aa} aa ON aa.author_id = au.id
                     WHERE aa.article_id = {a}.id""",  # noqa: S608 - names from model metadata
                [],
            ),
            tag_rows=RawSQL(  # noqa: S611 - no input in it
                f"""SELECT json_agg(json_build_array(t.id, t.name, t.slug) ORDER BY t.name, t.id)
                      FROM {t} t JOIN {at} at ON at.tag_id = t.id
                     WHERE at.article_id = {a}.id""",  # noqa: S608 - names from model metadata
                [],
            ),
        )


class Article(models.Model):
    """An article. Save it with ``articles.services.article_save``, which renders
    its Markdown, keeps the text it replaces as a revision, redirects its old
    address, makes its lead image's renditions and updates its search vectors:
    a plain ``save()`` does none of that."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SCHEDULED = "scheduled", "Scheduled"
        PUBLISHED = "published", "Published"
        WITHDRAWN = "withdrawn", "Withdrawn"

    title = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=200,
        unique=True,
        help_text="The article's address. Changing it after publishing is safe: the old "
        "address keeps working.",
    )
    standfirst = models.TextField(
        blank=True,
        max_length=400,
        help_text="One or two sentences under the title. Also used as the summary when the "
        "article is shared and in search results.",
    )
    body_markdown = models.TextField(
        "body",
        blank=True,
        help_text="Written in Markdown: ## for headings, - for lists, > for quotes. "
        "Give every image alt text: ![what it shows](address). Put a line starting "
        "'Table:' directly above a table as its caption.",
    )
    body_html = models.TextField(editable=False, blank=True)
    body_text = models.TextField(editable=False, blank=True)
    reading_minutes = models.PositiveSmallIntegerField(editable=False, default=1)
    status = models.CharField(
        max_length=12,
        choices=Status,
        default=Status.DRAFT,
        db_index=True,
        help_text="Scheduled and published articles are public from their publication time "
        "on. Withdrawn articles are gone from the site.",
    )
    published_at = models.DateTimeField(
        "publication time",
        null=True,
        blank=True,
        db_index=True,
        help_text="When the article goes public. Leave empty to use the moment you publish.",
    )
    authors = models.ManyToManyField(Author, related_name="articles", blank=True)
    tags = models.ManyToManyField(Tag, related_name="articles", blank=True)
    lead_image = models.ImageField(
        upload_to=safe_upload_to("articles/images"),
        validators=[validate_image],
        blank=True,
        help_text="Shown at the top of the article and when it is shared. At least 1200 "
        "pixels wide is best.",
    )
    lead_image_alt = models.CharField(
        "lead image alt text",
        max_length=250,
        blank=True,
        help_text="What the picture shows, for people who cannot see it.",
    )
    lead_image_renditions = models.JSONField(default=dict, blank=True, editable=False)
    lead_image_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    lead_image_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    search_vector = SearchVectorField(null=True, editable=False)
    rank_vector = SearchVectorField(null=True, editable=False)
    wp_post_id = models.PositiveIntegerField(
        null=True, blank=True, unique=True, editable=False, help_text="Post id in WordPress."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = "article"
        verbose_name_plural = "articles"
        indexes = [
            GinIndex(fields=["search_vector"], name="article_search_vector_gin"),
            # Lists and counts of public articles read only this index (newest first).
            models.Index(fields=["-published_at", "status"], name="article_public_list_idx"),
            # Tag and author archives join from their link tables by id: this index
            # tells which of those articles are public without reading the rows.
            models.Index(
                fields=["id"], include=["published_at", "status"], name="article_public_by_id_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "withdrawn"])
                | models.Q(published_at__isnull=False),
                name="article_public_has_publication_time",
            ),
            models.CheckConstraint(
                condition=models.Q(lead_image="") | ~models.Q(lead_image_alt=""),
                name="article_lead_image_has_alt",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return cached_reverse("articles:detail", self.slug)

    def _listed(self, relation: str, model) -> list:
        """Authors or tags from ``for_listing``'s JSON when there (else a query)."""
        rows = getattr(self, f"{model._meta.model_name}_rows", False)
        if rows is False:
            return list(getattr(self, relation).all())
        return [model.from_db(self._state.db, ["id", "name", "slug"], r) for r in rows or []]

    @property
    def listed_authors(self) -> list:
        return self._listed("authors", Author)

    @property
    def listed_tags(self) -> list:
        return self._listed("tags", Tag)

    def clean(self):
        errors = {}
        if self.status == self.Status.PUBLISHED and not self.published_at:
            self.published_at = timezone.now()  # "publish now"
        if self.lead_image and not self.lead_image_alt.strip():
            errors["lead_image_alt"] = "Describe the lead image for people who cannot see it."
        if self.status in (self.Status.PUBLISHED, self.Status.SCHEDULED):
            problems = render(self.body_markdown).problems
            if problems:
                errors["body_markdown"] = [
                    "Fix these before publishing (or save as a draft):",
                    *problems,
                ]
            if self.status == self.Status.SCHEDULED and not self.published_at:
                errors["published_at"] = "Choose when the scheduled article goes public."
        if errors:
            raise ValidationError(errors)

    @property
    def is_public(self) -> bool:
        return (
            self.status in (self.Status.PUBLISHED, self.Status.SCHEDULED)
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def was_updated(self) -> bool:
        """Whether the article changed noticeably after it went public."""
        return bool(self.published_at and self.updated_at - self.published_at > timedelta(hours=1))

    def srcset(self) -> str:
        from django.core.files.storage import default_storage

        items = sorted(((int(w), name) for w, name in self.lead_image_renditions.items()))
        return ", ".join(f"{default_storage.url(name)} {w}w" for w, name in items)

    def share_image(self) -> dict | None:
        """Return the lead image to show when the article is shared, or None.

        Sharing sites want about 1200 pixels wide, not the upload (which can be
        many megabytes): the largest rendition not wider than 1200, else the
        smallest, else the original. ``url`` is a path or storage URL; ``width``
        and ``height`` are None when unknown.
        """
        from django.core.files.storage import default_storage

        if not self.lead_image:
            return None
        known = self.lead_image_width and self.lead_image_height
        sizes = sorted(int(w) for w in self.lead_image_renditions)
        if sizes:
            fitting = [w for w in sizes if w <= SHARE_IMAGE_WIDTH]
            width = fitting[-1] if fitting else sizes[0]
            name = self.lead_image_renditions[str(width)]
            height = (
                round(self.lead_image_height * width / self.lead_image_width) if known else None
            )
            return {
                "url": default_storage.url(name),
                "width": width if known else None,
                "height": height,
            }
        return {
            "url": self.lead_image.url,
            "width": self.lead_image_width if known else None,
            "height": self.lead_image_height if known else None,
        }
