"""Uploaded files are served so that they can never run as a page."""

import io

import pytest
from PIL import Image

pytestmark = [pytest.mark.usefixtures("two_factor_on"), pytest.mark.django_db]


@pytest.fixture
def media(settings, tmp_path):
    root = tmp_path / "media"
    (root / "articles").mkdir(parents=True)
    settings.MEDIA_ROOT = root
    png = io.BytesIO()
    Image.new("RGB", (2, 2), "red").save(png, "PNG")
    (root / "articles" / "photo.png").write_bytes(png.getvalue())
    (root / "articles" / "report.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    (root / "articles" / "evil.html").write_bytes(b"<script>alert(1)</script>")
    (root / "articles" / "evil.svg").write_bytes(b"<svg><script>alert(1)</script></svg>")
    (root / "articles" / "notes.txt").write_bytes(b"plain")
    return root


def _body(response):
    return b"".join(response.streaming_content)


def _assert_locked_down(response):
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("sandbox")


@pytest.mark.parametrize(
    ("name", "content_type"),
    [("photo.png", "image/png"), ("report.pdf", "application/pdf")],
)
def test_images_and_pdfs_are_served_inline(client, media, name, content_type):
    """Images and PDFs show in the browser, with nosniff and a sandbox policy."""
    response = client.get(f"/media/articles/{name}")
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert "attachment" not in response.get("Content-Disposition", "")
    _assert_locked_down(response)
    assert _body(response) == (media / "articles" / name).read_bytes()


@pytest.mark.parametrize("name", ["evil.html", "evil.svg", "notes.txt"])
def test_anything_else_is_a_download_never_html(client, media, name):
    """HTML, SVG and other files are octet-stream attachments, so they cannot run."""
    response = client.get(f"/media/articles/{name}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    _assert_locked_down(response)


@pytest.mark.parametrize(
    "path", ["../settings.py", "articles/../../x", "/etc/passwd", "articles/missing.png"]
)
def test_paths_outside_media_or_missing_are_404(client, media, path):
    """Path traversal and missing files are plain 404s."""
    assert client.get(f"/media/{path}").status_code == 404


def test_only_get_and_head(client, media):
    assert client.post("/media/articles/photo.png").status_code == 405
    assert client.head("/media/articles/photo.png").status_code == 200


def test_off_when_a_web_server_serves_media(client, media, settings):
    """With SERVE_MEDIA off the view answers 404 (the web server in front serves files)."""
    settings.SERVE_MEDIA = False
    assert client.get("/media/articles/photo.png").status_code == 404
