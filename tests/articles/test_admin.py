"""The organisers' admin: writing, refusing to publish, live preview, revisions, tag merge."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.models import Article, Revision, Tag
from tests.articles.factories import ArticleFactory, TagFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def organiser_client(client):
    client.force_login(UserFactory(is_superuser=True))
    return client


def _form(**overrides):
    data = {
        "title": "Branch AGM season",
        "slug": "branch-agm-season",
        "standfirst": "Get your motions in.",
        "body_markdown": "## Dates\n\nMotions close on Friday.",
        "status": "published",
        "published_at_0": "",
        "published_at_1": "",
        "lead_image_alt": "",
    }
    for prefix in ("corrections", "attachments", "preview_links", "revisions"):
        data |= {
            f"{prefix}-TOTAL_FORMS": "0",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
    return data | overrides


def test_add_and_publish_an_article(organiser_client):
    tag = TagFactory()
    response = organiser_client.post(reverse("admin:articles_article_add"), _form(tags=[tag.pk]))
    assert response.status_code == 302, response.context["adminform"].form.errors
    article = Article.objects.get(slug="branch-agm-season")
    assert article.is_public
    assert "<h2>Dates</h2>" in article.body_html
    assert Article.objects.filter(search_vector=tag.name.split()[0].lower()).exists()


def test_publishing_is_refused_with_a_message_saying_what_to_fix(organiser_client):
    body = "| A | B |\n| --- | --- |\n| 1 | 2 |\n\n![](/media/x.png)"
    response = organiser_client.post(
        reverse("admin:articles_article_add"), _form(body_markdown=body)
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Table 1 has no caption" in html
    assert "has no alt text" in html
    assert not Article.objects.exists()
    response = organiser_client.post(
        reverse("admin:articles_article_add"), _form(body_markdown=body, status="draft")
    )
    assert response.status_code == 302


def test_changelist_filters_search_and_date_hierarchy(organiser_client):
    ArticleFactory(title="Turnout report")
    url = reverse("admin:articles_article_changelist")
    assert organiser_client.get(url, {"q": "turnout"}).status_code == 200
    assert organiser_client.get(url, {"status__exact": "draft"}).status_code == 200
    assert "Turnout report" in organiser_client.get(url).content.decode()


def test_change_page_loads_the_live_preview_script(organiser_client):
    article = ArticleFactory()
    html = organiser_client.get(
        reverse("admin:articles_article_change", args=[article.pk])
    ).content.decode()
    assert "js/articles-admin.js" in html
    assert "articles-markdown" in html


def test_live_preview_renders_safely_for_staff_only(client, organiser_client):
    url = reverse("admin:articles_article_preview")
    response = organiser_client.post(url, {"body": "**x** <script>1</script>\n\n![](/a.png)"})
    data = response.json()
    assert "<strong>x</strong>" in data["html"]
    assert "<script>" not in data["html"]
    assert any("alt text" in p for p in data["problems"])
    assert organiser_client.get(url).status_code == 405
    organiser_client.logout()
    assert client.post(url, {"body": "x"}).status_code == 302  # to the login page


def test_revision_diff_and_restore(organiser_client):
    article = ArticleFactory(body_markdown="Old line.")
    article.body_markdown = "New line."
    article.save()
    revision = Revision.objects.get(article=article)
    url = reverse("admin:articles_article_revision", args=[article.pk, revision.pk])
    html = organiser_client.get(url).content.decode()
    assert "<del>-Old line.</del>" in html
    assert "<ins>+New line.</ins>" in html
    response = organiser_client.post(url)
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.body_markdown == "Old line."
    other = ArticleFactory()
    wrong = reverse("admin:articles_article_revision", args=[other.pk, revision.pk])
    assert organiser_client.get(wrong).status_code == 404


def test_merge_tags_action(organiser_client, client):
    keep = TagFactory(name="Pay", slug="pay")
    merge = TagFactory(name="Wages", slug="wages")
    article = ArticleFactory(tags=[merge])
    url = reverse("admin:articles_tag_changelist")
    data = {"action": "merge_tags", "_selected_action": [keep.pk, merge.pk]}
    page = organiser_client.post(url, data)
    assert "Keep this tag" in page.content.decode()
    organiser_client.post(url, data | {"apply": "1", "target": keep.pk})
    assert list(Tag.objects.values_list("slug", flat=True)) == ["pay"]
    assert list(article.tags.all()) == [keep]
    organiser_client.logout()
    assert client.get("/tags/wages/")["Location"] == "/tags/pay/"


def test_editor_role_can_write_articles(client):
    from members.models import User

    editor = UserFactory(role=User.Role.EDITOR, is_superuser=True)
    client.force_login(editor)
    assert client.get(reverse("admin:articles_article_changelist")).status_code == 200


@pytest.mark.django_db
@given(
    title=st.text(max_size=250),
    slug=st.text(max_size=60),
    body=st.text(max_size=400),
    status=st.sampled_from(["draft", "scheduled", "published", "withdrawn", "bogus", ""]),
    when=st.sampled_from(["", "2026-13-45", "2030-01-01", "yesterday"]),
)
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_fuzzed_article_form_never_errors_and_never_half_saves(
    organiser_client, title, slug, body, status, when
):
    before = Article.objects.count()
    response = organiser_client.post(
        reverse("admin:articles_article_add"),
        _form(
            title=title,
            slug=slug,
            body_markdown=body,
            status=status,
            published_at_0=when,
            published_at_1="09:00" if when else "",
        ),
    )
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert Article.objects.count() == before
        assert "errornote" in response.content.decode()
    else:
        assert Article.objects.count() == before + 1
