"""Lead image renditions: stored once, served in widths for phones and desktops."""

import io
from pathlib import PurePosixPath

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageOps

from articles import conf


def make_renditions(article) -> None:
    """Write a WebP copy of the lead image at each configured width (never upscaled).

    Sets ``lead_image_renditions`` and the image's size on ``article`` (unsaved);
    the renditions of an earlier image are ``article_save``'s to delete.
    """
    article.lead_image.open("rb")
    try:
        with Image.open(article.lead_image) as original:
            image = ImageOps.exif_transpose(original)
            image.load()
    finally:
        article.lead_image.close()
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    article.lead_image_width, article.lead_image_height = image.size
    stem = PurePosixPath(article.lead_image.name)
    renditions = {}
    widths = sorted(
        {w for w in conf.IMAGE_WIDTHS if w < image.width}
        | {min(image.width, max(conf.IMAGE_WIDTHS))}
    )
    for width in widths:
        height = round(image.height * width / image.width)
        copy = (
            image.resize((width, height), Image.Resampling.LANCZOS)
            if width != image.width
            else image
        )
        buffer = io.BytesIO()
        copy.save(buffer, format="WEBP", quality=80)
        name = f"{stem.parent}/renditions/{stem.stem}-{width}.webp"
        renditions[str(width)] = default_storage.save(name, ContentFile(buffer.getvalue()))
    article.lead_image_renditions = renditions
