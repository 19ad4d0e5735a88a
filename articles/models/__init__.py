"""Articles the public reads, their authors and tags, and what keeps old links working.

The models are plain: what a save of an article or tag sets in motion
(rendering, revisions, redirects, renditions, search vectors) is in
``articles.services``; the public pages' heavier reads are in
``articles.selectors``.
"""

from articles.models.article import SHARE_IMAGE_WIDTH, Article, ArticleQuerySet
from articles.models.attachments import Attachment
from articles.models.deletions import Deletion
from articles.models.history import Correction, Revision
from articles.models.previews import (  # noqa: F401 (the defaults: migration 0001)
    PreviewLink,
    PreviewLinkQuerySet,
    _default_expiry,
    _new_token,
)
from articles.models.redirects import Redirect
from articles.models.taxonomy import Author, Tag

__all__ = [
    "SHARE_IMAGE_WIDTH",
    "Article",
    "ArticleQuerySet",
    "Attachment",
    "Author",
    "Correction",
    "Deletion",
    "PreviewLink",
    "PreviewLinkQuerySet",
    "Redirect",
    "Revision",
    "Tag",
]
