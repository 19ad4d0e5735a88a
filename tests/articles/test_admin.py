"""The organisers' admin: writing, refusing to publish, live preview, revisions, tag merge."""

import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.models import Article, Revision, Tag
from articles.services import article_save
from tests.articles.factories import ArticleFactory, AuthorFactory, TagFactory
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


def _titles(response) -> set[str]:
    return {article.title for article in response.context["cl"].result_list}


def test_changelist_search_and_filters_narrow_the_results(organiser_client):
    pay, ballot = TagFactory(name="Pay", slug="pay"), TagFactory(name="Ballot", slug="ballot")
    sam, jo = AuthorFactory(name="Sam"), AuthorFactory(name="Jo")
    ArticleFactory(title="Turnout report", tags=[ballot], authors=[sam])
    ArticleFactory(title="Pay offer", tags=[pay], authors=[jo])
    ArticleFactory(title="Pay and ballot", tags=[pay, ballot], authors=[sam])
    ArticleFactory(title="Unfinished", status="draft", published_at=None)
    url = reverse("admin:articles_article_changelist")
    everything = {"Turnout report", "Pay offer", "Pay and ballot", "Unfinished"}
    assert _titles(organiser_client.get(url)) == everything
    assert _titles(organiser_client.get(url, {"q": "turnout"})) == {"Turnout report"}
    assert _titles(organiser_client.get(url, {"status__exact": "draft"})) == {"Unfinished"}
    assert _titles(organiser_client.get(url, {"tags__id__exact": pay.pk})) == {
        "Pay offer",
        "Pay and ballot",
    }
    assert _titles(organiser_client.get(url, {"authors__id__exact": sam.pk})) == {
        "Turnout report",
        "Pay and ballot",
    }
    both = {"tags__id__exact": pay.pk, "authors__id__exact": sam.pk}
    assert _titles(organiser_client.get(url, both)) == {"Pay and ballot"}
    html = organiser_client.get(url).content.decode()
    # The filter sidebar offers each tag and author as a link.
    assert f"?tags__id__exact={pay.pk}" in html
    assert f"?authors__id__exact={jo.pk}" in html


def test_changelist_date_hierarchy_links_by_year_then_month(organiser_client):
    ArticleFactory(title="Old news", published_at=datetime(2023, 5, 2, 9, tzinfo=UTC))
    ArticleFactory(title="New news", published_at=datetime(2024, 11, 8, 9, tzinfo=UTC))
    url = reverse("admin:articles_article_changelist")
    html = organiser_client.get(url).content.decode()
    assert '<a href="?published_at__year=2023">2023</a>' in html
    assert '<a href="?published_at__year=2024">2024</a>' in html
    year = organiser_client.get(url, {"published_at__year": "2023"})
    assert _titles(year) == {"Old news"}
    assert "?published_at__month=5&amp;published_at__year=2023" in year.content.decode()


def test_change_page_links_to_the_article_on_the_site(organiser_client):
    article = ArticleFactory(slug="pay-offer")
    html = organiser_client.get(
        reverse("admin:articles_article_change", args=[article.pk])
    ).content.decode()
    match = re.search(r'<a href="([^"]+)" class="viewsitelink">View on site</a>', html)
    assert match, "no View on site link"
    response = organiser_client.get(match.group(1))
    assert response.status_code == 302
    assert response["Location"].endswith("/articles/pay-offer/")


def test_tags_can_be_created_from_the_article_form(organiser_client):
    html = organiser_client.get(reverse("admin:articles_article_add")).content.decode()
    add_url = reverse("admin:articles_tag_add")
    # The "+" beside the tags box opens the tag form in a popup...
    match = re.search(
        r'<a class="related-widget-wrapper-link add-related" id="add_id_tags"\s+'
        r'data-popup="yes"\s+href="([^"]+)"',
        html,
    )
    assert match, "no add-related link for tags"
    popup = match.group(1).replace("&amp;", "&")
    assert popup.startswith(add_url)
    assert "_popup=1" in popup
    # ...whose answer hands the new tag back to the article form's tags box.
    form = organiser_client.get(popup).content.decode()
    assert '<input type="hidden" name="_popup" value="1">' in form
    response = organiser_client.post(
        popup, {"name": "Pensions", "slug": "pensions", "_popup": "1", "_to_field": "id"}
    )
    tag = Tag.objects.get(slug="pensions")
    assert response.status_code == 200
    assert "admin/js/popup_response.js" in response.content.decode()
    assert f"&quot;value&quot;: &quot;{tag.pk}&quot;" in response.content.decode()
    # Existing tags are found as you type (the admin's own autocomplete).
    assert re.search(r'<select name="tags"[^>]*class="admin-autocomplete', html)


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
    article_save(article=article)
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


def test_editing_in_the_admin_records_the_organiser_on_the_revision(client):
    organiser = UserFactory(is_superuser=True, first_name="Dee", last_name="Organiser")
    client.force_login(organiser)
    article = ArticleFactory(title="Branch AGM season", body_markdown="Old line.")
    url = reverse("admin:articles_article_change", args=[article.pk])
    response = client.post(url, _form(slug=article.slug, body_markdown="New line."))
    assert response.status_code == 302, response.context["adminform"].form.errors
    revision = Revision.objects.get(article=article)
    assert revision.body_markdown == "Old line."
    assert revision.author == organiser
    html = client.get(url).content.decode()
    assert "Dee Organiser" in html  # in the earlier versions list
    # Restoring it records who restored it on the revision it makes.
    page = reverse("admin:articles_article_revision", args=[article.pk, revision.pk])
    assert "by Dee Organiser" in client.get(page).content.decode()
    assert client.post(page).status_code == 302
    restored = Revision.objects.get(article=article, body_markdown="New line.")
    assert restored.author == organiser
    # The history outlives the account.
    organiser.delete()
    revision.refresh_from_db()
    assert revision.author is None


def test_saves_outside_the_admin_record_no_author():
    article = ArticleFactory(body_markdown="Old line.")
    article.body_markdown = "New line."
    article_save(article=article)
    assert Revision.objects.get(article=article).author is None


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
