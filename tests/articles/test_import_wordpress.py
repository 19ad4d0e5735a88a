"""manage.py import_wordpress: posts, authors, tags, attachments, permalinks; idempotent."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from articles.models import Article, Attachment, Author, Redirect, Tag

pytestmark = pytest.mark.django_db

HERE = Path(__file__).parent / "wordpress"
EXPORT = HERE / "export.xml"


def _import():
    out = StringIO()
    call_command("import_wordpress", str(EXPORT), media=str(HERE / "uploads"), stdout=out)
    return out.getvalue()


def _state():
    return (
        list(Article.objects.order_by("pk").values_list("pk", "slug", "updated_at", "status")),
        list(Author.objects.values_list("pk", "slug")),
        list(Tag.objects.values_list("pk", "slug")),
        list(Redirect.objects.values_list("old_path", "article_id", "tag_id")),
        list(Attachment.objects.values_list("pk", "file")),
    )


def test_import_posts_with_authors_tags_dates_and_markdown():
    output = _import()
    assert "2 posts imported" in output
    assert "2 skipped" not in output  # the page is ignored, the trashed post is skipped
    post = Article.objects.get(wp_post_id=123)
    assert post.title == "DWP pay offer falls short again"
    assert post.slug == "dwp-pay-offer-falls-short"
    assert post.status == Article.Status.PUBLISHED
    assert post.published_at.isoformat() == "2018-05-13T09:30:00+00:00"
    assert post.standfirst == "Another below-inflation offer for the lowest grades."
    assert [a.name for a in post.authors.all()] == ["Meera Patel"]
    assert sorted(t.name for t in post.tags.all()) == ["Pay", "trade unions"]
    assert not Tag.objects.filter(slug="uncategorized").exists()
    md = post.body_markdown
    assert "Branches should hold meetings *this month*." in md
    assert "## The figures" in md
    assert "Table: Offer by grade" in md
    assert "| AO | £19,650 |" in md
    assert "- Reject the offer" in md
    assert "> We will not accept poverty pay." in md
    assert "alert" not in md
    assert "<caption>Offer by grade</caption>" in post.body_html
    # Images in the post are copied here: the old site's would be blocked by the CSP.
    assert "![The picket at dawn](/media/articles/images/" in md
    assert "old.rankandfile.example" not in md.split("[our March report]")[0]
    draft = Article.objects.get(wp_post_id=124)
    assert draft.status == Article.Status.DRAFT
    assert draft.published_at is None
    assert draft.slug == "notes-for-the-nec-slate"


def test_import_attachments_found_locally():
    output = _import()
    post = Article.objects.get(wp_post_id=123)
    attachment = post.attachments.get()
    assert attachment.title == "Pay report 2018"
    assert attachment.size > 0
    assert post.lead_image
    assert post.lead_image_alt == "Members with placards outside the office"
    assert post.lead_image_renditions
    assert (
        "not found locally: https://old.rankandfile.example/wp-content/uploads/2018/05/missing.pdf"
        in output
    )


def test_old_permalinks_redirect_permanently(client):
    _import()
    post = Article.objects.get(wp_post_id=123)
    for old in ["/2018/05/13/dwp-pay-offer-falls-short/", "/?p=123"]:
        response = client.get(old)
        assert response.status_code == 301, old
        assert response["Location"] == post.get_absolute_url()
    assert client.get("/tag/trade-unions/")["Location"] == "/tags/trade-unions/"
    assert client.get("/category/pay/")["Location"] == "/tags/pay/"
    # A draft's old address leads nowhere until it is published.
    assert client.get("/?p=124").status_code == 200  # the home page, not a redirect
    assert client.get("/2019/01/01/never-existed/").status_code == 404
    assert client.get("/tag/never-existed/").status_code == 404


def test_running_it_twice_changes_nothing():
    _import()
    before = _state()
    output = _import()
    assert "0 posts imported, 2 already here" in output
    assert "0 new redirects" in output
    assert _state() == before


def test_bad_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_text("<rss><channel>")
    with pytest.raises(CommandError, match="Could not read"):
        call_command("import_wordpress", str(bad))
    with pytest.raises(CommandError, match="Could not read"):
        call_command("import_wordpress", str(tmp_path / "missing.xml"))


def test_an_image_in_a_post_that_is_no_image_is_refused_not_copied(tmp_path):
    """WordPress uploads pass the same check as an organiser's: HTML named .png stays out."""
    from articles.wordpress import ImportReport, _local_images

    folder = tmp_path / "2018" / "05"
    folder.mkdir(parents=True)
    (folder / "fake.png").write_bytes(b"<html><script>alert(1)</script></html>")
    url = "https://old.example/wp-content/uploads/2018/05/fake.png"
    report = ImportReport()
    markdown = _local_images(f"![A fake]({url})", tmp_path, report)
    assert markdown == f"![A fake]({url})"
    assert report.refused_files == [url]
    assert "1 files refused" in str(report)
