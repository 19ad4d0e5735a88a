"""The blog of Wagtail's tutorial ("Your first Wagtail site"), as far as "Overriding Context".

Two changes for the bench, so its index is a list page like Rank and File's:
20 posts a page (Django's paginator; the tutorial lists every post), and each
post's title and intro without its whole body.
"""

from django.core.paginator import Paginator
from django.db import models
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

POSTS_PER_PAGE = 20


class BlogIndexPage(Page):
    intro = RichTextField(blank=True)

    content_panels = [*Page.content_panels, "intro"]

    def get_context(self, request):
        # Update context to include only published posts, ordered by reverse-chron
        context = super().get_context(request)
        blogpages = self.get_children().live().order_by("-first_published_at")
        context["blogpages"] = Paginator(blogpages, POSTS_PER_PAGE).get_page(
            request.GET.get("page")
        )
        return context


class BlogPage(Page):
    date = models.DateField("Post date")
    intro = models.CharField(max_length=250)
    body = RichTextField(blank=True)

    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]

    content_panels = [*Page.content_panels, "date", "intro", "body"]
