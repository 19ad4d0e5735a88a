"""Upload checks: content decides the type, sizes are capped, names are made safe."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core.uploads import safe_upload_to, validate_image, validate_pdf


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buf, "PNG")
    return buf.getvalue()


def test_real_image_is_accepted_whatever_its_name():
    validate_image(SimpleUploadedFile("photo.pdf", _png()))


def test_html_named_as_image_is_refused():
    upload = SimpleUploadedFile("x.png", b"<html><script>alert(1)</script></html>")
    with pytest.raises(ValidationError) as err:
        validate_image(upload)
    assert err.value.code == "not_image"


def test_pdf_must_start_like_a_pdf():
    validate_pdf(SimpleUploadedFile("r.pdf", b"%PDF-1.7\n..."))
    with pytest.raises(ValidationError):
        validate_pdf(SimpleUploadedFile("r.pdf", b"<html></html>"))


def test_oversized_pdf_is_refused(monkeypatch):
    monkeypatch.setattr("core.uploads.MAX_PDF_BYTES", 10)
    with pytest.raises(ValidationError) as err:
        validate_pdf(SimpleUploadedFile("r.pdf", b"%PDF-1.7 and more than ten bytes"))
    assert err.value.code == "too_large"


@pytest.mark.parametrize(
    "filename",
    ["../../etc/passwd", "évil name <script>.PDF", "..", "a" * 300 + ".png", "x.html"],
)
def test_upload_names_are_safe(filename):
    path = safe_upload_to("articles/files")(None, filename)
    folder, name = path.rsplit("/", 1)
    assert folder == "articles/files"
    assert ".." not in name
    assert "<" not in name
    assert " " not in name
    assert len(name) < 100


def test_a_stored_file_is_named_by_its_content_not_by_the_client():
    """An "x.html" that starts like a PDF is stored as .pdf; an image named .pdf as an image."""
    upload_to = safe_upload_to("articles/files")
    pdf_as_html = SimpleUploadedFile("x.html", b"%PDF-1.7\n<html><script>1</script>")
    assert upload_to(None, "x.html", pdf_as_html).endswith("-x.pdf")
    assert upload_to(None, "photo.pdf", SimpleUploadedFile("photo.pdf", _png())).endswith(
        "-photo.png"
    )
    assert upload_to(None, "page.html", SimpleUploadedFile("page.html", b"<html>")).endswith(
        "-page"
    )


@pytest.mark.django_db
def test_an_attachment_saved_through_the_model_gets_its_contents_extension(tmp_path, settings):
    from articles.models import Attachment
    from tests.articles.factories import ArticleFactory

    attachment = Attachment(
        article=ArticleFactory(),
        title="Pay offer",
        file=SimpleUploadedFile("offer.html", b"%PDF-1.7\n..."),
    )
    attachment.full_clean()
    attachment.save()
    assert attachment.file.name.startswith("articles/files/")
    assert attachment.file.name.endswith("-offer.pdf")
