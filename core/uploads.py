"""Checks for uploaded images and PDFs: type by content, size, safe names.

Use on model fields: ``validators=[validate_image]`` and
``upload_to=safe_upload_to("articles/images")``. A stored file's extension
is the one its content calls for (``.pdf``, ``.png``, ...), never the one the
client sent: media serving decides by extension how a file may be shown.
"""

import os
import uuid
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.db.models import FileField
from django.utils.deconstruct import deconstructible
from django.utils.text import slugify

MAX_IMAGE_BYTES = 8 * 1024 * 1024
MAX_PDF_BYTES = 20 * 1024 * 1024
IMAGE_FORMATS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif"}


def _size_check(upload, limit: int, kind: str) -> None:
    if upload.size > limit:
        raise ValidationError(
            f"The {kind} is too large: the limit is {limit // (1024 * 1024)} MB.",
            code="too_large",
        )


def content_suffix(upload) -> str:
    """The extension this file's content calls for: an image format, ".pdf", or ""."""
    pos = upload.tell() if hasattr(upload, "tell") else 0
    try:
        upload.seek(0)
        if upload.read(1024).lstrip().startswith(b"%PDF-"):
            return ".pdf"
        upload.seek(0)
        return IMAGE_FORMATS.get(_image_format(upload), "")
    finally:
        upload.seek(pos)


def _image_format(upload) -> str | None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(upload) as image:
            return image.format
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None


def validate_image(upload) -> None:
    """Accept only a real JPEG, PNG, WebP or GIF, whatever its name claims."""
    from PIL import Image, UnidentifiedImageError

    _size_check(upload, MAX_IMAGE_BYTES, "image")
    pos = upload.tell() if hasattr(upload, "tell") else 0
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            fmt = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(
            "This file is not an image we can use. Upload a JPEG, PNG, WebP or GIF.",
            code="not_image",
        ) from exc
    finally:
        upload.seek(pos)
    if fmt not in IMAGE_FORMATS:
        raise ValidationError("Upload a JPEG, PNG, WebP or GIF image.", code="image_format")


def validate_pdf(upload) -> None:
    """Accept only a file that starts like a PDF, within the size limit."""
    _size_check(upload, MAX_PDF_BYTES, "PDF")
    pos = upload.tell() if hasattr(upload, "tell") else 0
    upload.seek(0)
    head = upload.read(1024)
    upload.seek(pos)
    if not head.lstrip().startswith(b"%PDF-"):
        raise ValidationError("This file is not a PDF. Upload a PDF document.", code="not_pdf")


@deconstructible
class safe_upload_to:
    """Store uploads under a fixed folder, with a random prefix, the client's name
    slugified, and the extension the content calls for (none if it calls for none)."""

    def __init__(self, folder: str):
        self.folder = folder.strip("/")

    def __call__(self, instance, filename: str, content=None) -> str:
        if content is None:
            content = self._upload_of(instance)
        stem = slugify(PurePath(os.path.basename(filename)).stem)[:60] or "file"
        suffix = content_suffix(content) if content is not None else ""
        return f"{self.folder}/{uuid.uuid4().hex[:12]}-{stem}{suffix}"

    def _upload_of(self, instance):
        """The file being saved on `instance` through a field that uses this upload_to."""
        for field in getattr(getattr(instance, "_meta", None), "fields", ()):
            if isinstance(field, FileField) and field.upload_to == self:
                fieldfile = getattr(instance, field.name)
                return getattr(fieldfile, "_file", None)
        return None

    def __eq__(self, other):
        return isinstance(other, safe_upload_to) and other.folder == self.folder
