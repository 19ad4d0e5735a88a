"""Factories for the articles app."""

from datetime import timedelta

import factory
from django.utils import timezone

from articles.models import Article, Author, Tag
from articles.services import article_save


class AuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Author
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Writer {n}")
    slug = factory.Sequence(lambda n: f"writer-{n}")
    bio = "A branch secretary in the north west."


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.Sequence(lambda n: f"topic-{n}")


class ArticleFactory(factory.django.DjangoModelFactory):
    """An article saved through ``article_save``, as the admin saves one.

    ``tags`` and ``authors`` (lists) go to the service with it, so its search
    vectors include the tags.
    """

    class Meta:
        model = Article

    title = factory.Sequence(lambda n: f"Branch report number {n}")
    slug = factory.Sequence(lambda n: f"branch-report-{n}")
    standfirst = "What the branch decided, and what comes next."
    body_markdown = "## What happened\n\nMembers met and voted.\n\n- one\n- two\n"
    status = Article.Status.PUBLISHED
    published_at = factory.Sequence(lambda n: timezone.now() - timedelta(days=1, minutes=n))
    tags = ()
    authors = ()

    @classmethod
    def _build(cls, model_class, *args, tags=(), authors=(), **kwargs):
        return model_class(*args, **kwargs)

    @classmethod
    def _create(cls, model_class, *args, tags=(), authors=(), **kwargs):
        return article_save(article=model_class(*args, **kwargs), tags=tags, authors=authors)
