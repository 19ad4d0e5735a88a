"""Writing rules: publishing checks, redirects, previews, revisions, images."""

import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.utils import timezone
from PIL import Image

from articles.models import Article, Attachment, PreviewLink, Redirect, Revision
from articles.rendering import render
from articles.services import ArticleError, article_save, revision_restore, tag_merge, tag_save
from tests.articles.factories import ArticleFactory, TagFactory

pytestmark = pytest.mark.django_db

GOOD_TABLE = "Table: Pay by grade\n\n| Grade | Pay |\n| --- | --- |\n| AO | £25,000 |\n"


def _article(**kwargs):
    defaults = {
        "title": "Pay",
        "slug": "pay",
        "status": Article.Status.PUBLISHED,
        "published_at": timezone.now(),
    }
    return Article(**(defaults | kwargs))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("![](/media/a.png)", "has no alt text"),
        ("![Picket](https://tracker.example/a.png)", "on another website"),
        ("| Grade | Pay |\n| --- | --- |\n| AO | 1 |\n", "has no caption"),
        ("Table: Pay\n\n| | |\n| --- | --- |\n| AO | 1 |\n", "has no header row"),
    ],
)
def test_publishing_is_refused_until_images_and_tables_are_accessible(body, message):
    article = _article(body_markdown=body)
    with pytest.raises(ValidationError) as exc:
        article.full_clean()
    assert message in " ".join(exc.value.message_dict["body_markdown"])
    article.status = Article.Status.DRAFT
    article.full_clean()  # a draft may be saved as it is


def test_a_caption_and_header_make_a_table_publishable():
    _article(body_markdown=GOOD_TABLE + "\n![A picket line](/media/p.png)").full_clean()


def test_caption_is_written_as_a_table_line_above_the_table():
    html = render(GOOD_TABLE).html
    assert "<caption>Pay by grade</caption>" in html
    assert "Table:" not in html
    assert 'aria-label="Pay by grade"' in html


def test_top_level_headings_become_h2_so_the_title_stays_the_only_h1():
    assert render("# Section").html.strip() == "<h2>Section</h2>"
    assert render("## Section").html.strip() == "<h2>Section</h2>"
    assert render("### Part").html.strip() == "<h3>Part</h3>"


def test_column_alignment_uses_a_class_not_an_inline_style():
    html = render("Table: T\n\n| A | B |\n| --- | ---: |\n| x | 1 |\n").html
    assert 'class="num"' in html
    assert "style=" not in html


def test_scheduled_article_needs_a_time():
    with pytest.raises(ValidationError) as exc:
        _article(status=Article.Status.SCHEDULED, published_at=None).full_clean()
    assert "published_at" in exc.value.message_dict


def test_database_refuses_public_article_without_time():
    with pytest.raises(IntegrityError):
        Article.objects.filter(pk=ArticleFactory().pk).update(published_at=None)


def test_publishing_without_a_time_uses_now():
    article = ArticleFactory(published_at=None)
    assert article.published_at is not None


def test_changing_a_published_slug_redirects_the_old_address(client):
    article = ArticleFactory(slug="old-name")
    article.slug = "new-name"
    article_save(article=article)
    response = client.get("/articles/old-name/")
    assert response.status_code == 301
    assert response["Location"] == "/articles/new-name/"
    article.slug = "newest-name"
    article_save(article=article)
    assert client.get("/articles/old-name/")["Location"] == "/articles/newest-name/"
    article.slug = "old-name"
    article_save(article=article)
    assert client.get("/articles/old-name/").status_code == 200


def test_draft_slug_changes_leave_no_redirect():
    article = ArticleFactory(status="draft", published_at=None, slug="draft-a")
    article.slug = "draft-b"
    article_save(article=article)
    assert not Redirect.objects.exists()


def test_renaming_and_merging_tags_redirect(client):
    pay = TagFactory(name="Pay", slug="pay")
    wages = TagFactory(name="Wages", slug="wages")
    a = ArticleFactory(tags=[pay])
    b = ArticleFactory(tags=[wages])
    pay.slug = "pay-and-conditions"
    tag_save(tag=pay)
    assert client.get("/tags/pay/")["Location"] == "/tags/pay-and-conditions/"
    assert tag_merge(sources=[wages], target=pay) == 1
    assert client.get("/tags/wages/")["Location"] == "/tags/pay-and-conditions/"
    assert set(pay.articles.all()) == {a, b}
    with pytest.raises(ArticleError):
        tag_merge(sources=[pay], target=pay)


def test_preview_link_shows_draft_until_it_expires_or_is_revoked(client):
    article = ArticleFactory(status="draft", published_at=None, title="Embargoed")
    link = PreviewLink.objects.create(article=article)
    response = client.get(link.get_absolute_url())
    assert response.status_code == 200
    assert "Embargoed" in response.content.decode()
    assert "noindex" in response["X-Robots-Tag"]
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    link.expires_at = timezone.now() - timedelta(minutes=1)
    link.save()
    assert client.get(link.get_absolute_url()).status_code == 404
    link.expires_at = timezone.now() + timedelta(days=1)
    link.revoked = True
    link.save()
    assert client.get(link.get_absolute_url()).status_code == 404
    assert client.get("/articles/preview/not-a-token/").status_code == 404


def test_each_save_keeps_the_previous_text_and_restore_brings_it_back():
    article = ArticleFactory(body_markdown="First text.")
    article.body_markdown = "Second text."
    article_save(article=article)
    article.status = Article.Status.PUBLISHED  # no text change: no revision
    article_save(article=article)
    revision = Revision.objects.get(article=article)
    assert revision.body_markdown == "First text."
    revision_restore(revision=revision)
    article.refresh_from_db()
    assert article.body_markdown == "First text."
    assert Revision.objects.filter(article=article, body_markdown="Second text.").exists()


def test_restore_refuses_a_text_that_could_not_be_published():
    article = ArticleFactory(status="draft", published_at=None, body_markdown="![](/a.png)")
    article.body_markdown = "Fine now."
    article.status = Article.Status.PUBLISHED
    article_save(article=article)
    with pytest.raises(ArticleError):
        revision_restore(revision=article.revisions.get())


def _image(width=1600, height=900, fmt="JPEG"):
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (180, 20, 30)).save(buffer, format=fmt)
    return SimpleUploadedFile("picket line.jpg", buffer.getvalue(), content_type="image/jpeg")


def test_lead_image_is_served_in_sizes_with_srcset(client):
    article = ArticleFactory(lead_image=_image(), lead_image_alt="Members on a picket line")
    article.refresh_from_db()
    assert sorted(article.lead_image_renditions, key=int) == ["480", "800", "1200"]
    assert (article.lead_image_width, article.lead_image_height) == (1600, 900)
    html = client.get(article.get_absolute_url()).content.decode()
    assert 'srcset="/media/articles/images/renditions/' in html
    assert " 480w, " in html
    assert 'alt="Members on a picket line"' in html
    assert 'width="1600" height="900"' in html
    assert 'property="og:image" content="http://127.0.0.1:8000/media/' in html


def test_small_lead_image_is_not_upscaled():
    article = ArticleFactory(lead_image=_image(600, 400), lead_image_alt="A banner")
    article.refresh_from_db()
    assert sorted(article.lead_image_renditions, key=int) == ["480", "600"]


def test_lead_image_needs_alt_text():
    article = _article(lead_image=_image(), lead_image_alt="")
    with pytest.raises(ValidationError) as exc:
        article.full_clean()
    assert "lead_image_alt" in exc.value.message_dict


def test_attachments_are_listed_with_their_size(client):
    article = ArticleFactory()
    pdf = SimpleUploadedFile("Pay report.pdf", b"%PDF-1.4\n" + b"x" * 3000)
    Attachment.objects.create(article=article, title="The pay report", file=pdf)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "The pay report" in html
    assert "(PDF, 3 KB)" in html


def test_correction_moves_the_last_modified_on(client):
    from articles.models import Correction

    article = ArticleFactory()
    etag = client.get(article.get_absolute_url())["ETag"]
    Correction.objects.create(article=article, note="Fixed a figure.")
    response = client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert "Fixed a figure." in response.content.decode()
