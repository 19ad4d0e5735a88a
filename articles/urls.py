from django.contrib.sitemaps import views as sitemap_views
from django.urls import path

from articles import views
from articles.caching import public_page
from articles.feeds import LatestArticlesFeed, TagFeed
from articles.sitemaps import SITEMAPS

app_name = "articles"

urlpatterns = [
    path("articles/", views.article_list, name="list"),
    path("articles/preview/<str:token>/", views.article_preview, name="preview"),
    path("articles/<slug:slug>/", views.article_detail, name="detail"),
    path("tags/<slug:slug>/", views.tag_detail, name="tag"),
    path("tags/<slug:slug>/feed/", public_page(TagFeed()), name="tag_feed"),
    path("authors/<slug:slug>/", views.author_detail, name="author"),
    path("search/", views.search, name="search"),
    path("feed/", public_page(LatestArticlesFeed()), name="feed"),
    # An index of sections, each split into pages, so no response lists 10,000 URLs.
    path(
        "sitemap.xml",
        public_page(sitemap_views.index, shows=None),  # other apps add sections
        {"sitemaps": SITEMAPS, "sitemap_url_name": "articles:sitemap_section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        public_page(sitemap_views.sitemap, shows=None),
        {"sitemaps": SITEMAPS},
        name="sitemap_section",
    ),
    # Old WordPress permalinks, redirected to their new pages when known.
    path(
        "<int:year>/<int:month>/<int:day>/<str:wp_slug>/",
        views.legacy_redirect,
        name="wp_post",
    ),
    path("tag/<str:wp_slug>/", views.legacy_redirect, name="wp_tag"),
    path("category/<str:wp_slug>/", views.legacy_redirect, name="wp_category"),
]
