"""Fragments: parts of pages built once per version of the topics they show."""

import pytest
from django.template import Context, Template

from core import pagecache
from core.pagecache import fragments

pytestmark = pytest.mark.django_db


def _counting():
    built = []

    def build():
        built.append(1)
        return f"<p>version {len(built)}</p>"

    return built, build


def test_built_once_until_a_topic_it_shows_changes():
    built, build = _counting()
    assert fragments.fragment("t:a", ("slates",), build) == "<p>version 1</p>"
    assert fragments.fragment("t:a", ("slates",), build) == "<p>version 1</p>"
    pagecache.invalidate(["articles"])  # not shown: kept
    assert fragments.fragment("t:a", ("slates",), build) == "<p>version 1</p>"
    pagecache.invalidate(["slates"])
    assert fragments.fragment("t:a", ("slates",), build) == "<p>version 2</p>"
    assert len(built) == 2


def test_another_process_reads_the_shared_copy():
    built, build = _counting()
    fragments.fragment("t:b", ("structure",), build)
    pagecache.local_bodies.clear()  # what another app server has
    pagecache.listener.forget()
    assert fragments.fragment("t:b", ("structure",), build) == "<p>version 1</p>"
    assert len(built) == 1


def test_versioned_values_follow_their_topics():
    _, build = _counting()
    assert fragments.versioned("t:c", ("structure",), build) == "<p>version 1</p>"
    assert fragments.versioned("t:c", ("structure",), build) == "<p>version 1</p>"
    pagecache.invalidate(["structure"])
    assert fragments.versioned("t:c", ("structure",), build) == "<p>version 2</p>"


def test_template_tag_keeps_its_content_and_renders_every_time_without_a_name():
    template = Template(
        "{% load fragments %}{% fragment name 'slates' %}{{ value }}{% endfragment %}"
    )
    assert template.render(Context({"name": "t:d", "value": "first"})) == "first"
    assert template.render(Context({"name": "t:d", "value": "second"})) == "first"
    assert template.render(Context({"name": None, "value": "second"})) == "second"
    pagecache.invalidate(["slates"])
    assert template.render(Context({"name": "t:d", "value": "third"})) == "third"
