"""Atom feeds with the full article text and absolute links."""

from io import StringIO

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from articles import conf
from articles.caching import content_version
from articles.models import Article, Tag
from core.pagecache import fragment


class FullContentAtom(Atom1Feed):
    """Atom with each entry's full HTML in <content>, beside the summary."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content"):
            handler.addQuickElement("content", item["content"], {"type": "html"})

    def write(self, outfile, encoding):
        # The XML writer makes about 900 small writes for twenty entries: into an
        # HttpResponse each is encoded and appended on its own, into a StringIO
        # hardly costs anything.
        buffer = StringIO()
        super().write(buffer, encoding)
        outfile.write(buffer.getvalue())


class LatestArticlesFeed(Feed):
    feed_type = FullContentAtom

    def __call__(self, request, *args, **kwargs):
        """The feed, written once per version of the articles and address.

        The same XML for every reader until an article, tag or author changes
        or one is published (a fragment, core.pagecache.fragments), with the
        Last-Modified the syndication framework gave it.
        """
        host, version = request.get_host(), content_version(request)[1]
        name = f"articles:feed:{host}:{request.path}:{version}"
        built = {}

        def build():
            built["response"] = response = super(LatestArticlesFeed, self).__call__(
                request, *args, **kwargs
            )
            return f"{response.get('Last-Modified', '')}\n{response.content.decode()}"

        kept = fragment(name, ("articles",), build)
        if "response" in built:
            return built["response"]
        last_modified, _, body = kept.partition("\n")
        response = HttpResponse(body, content_type=self.feed_type.content_type)
        if last_modified:
            response["Last-Modified"] = last_modified
        return response

    def title(self, obj=None):
        return settings.SITE_NAME

    def subtitle(self, obj=None):
        return "Articles from rank-and-file trade unionists."

    def link(self, obj=None):
        return reverse("articles:list")

    def feed_url(self, obj=None):
        return reverse("articles:feed")

    def articles(self, obj):
        return Article.objects.published()

    def items(self, obj=None):
        return (
            self.articles(obj)
            .for_listing()  # for its authors and tags; an entry shows more fields:
            .defer(None)
            .defer("body_markdown", "body_text", "search_vector", "rank_vector")[: conf.FEED_SIZE]
        )

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.standfirst

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return max(item.updated_at, item.published_at)

    def item_author_name(self, item):
        return ", ".join(a.name for a in item.listed_authors) or None

    def item_categories(self, item):
        return [t.name for t in item.listed_tags]

    def item_extra_kwargs(self, item):
        # Links inside the body must work in a feed reader, away from our site.
        content = item.body_html.replace('href="/', f'href="{settings.SITE_URL}/').replace(
            'src="/', f'src="{settings.SITE_URL}/'
        )
        return {"content": content}


class TagFeed(LatestArticlesFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Tag, slug=slug)

    def title(self, obj=None):
        return f"{settings.SITE_NAME}: {obj.name}"

    def subtitle(self, obj=None):
        return obj.description or f"Articles tagged {obj.name}."

    def link(self, obj=None):
        return obj.get_absolute_url()

    def feed_url(self, obj=None):
        return reverse("articles:tag_feed", kwargs={"slug": obj.slug})

    def articles(self, obj):
        return Article.objects.published().filter(tags=obj)
