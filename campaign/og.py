"""Open Graph images for slate pages: a 1200x630 PNG naming the election and slate.

Each image is stored once under a name derived from what it shows, so a
changed slate gets a new file (and a new URL for caches) and an unchanged one
is never drawn twice.
"""

import hashlib
import io

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 1200, 630
INK = (27, 27, 31)
PAPER = (255, 255, 255)
ACCENT = (179, 18, 31)
FONT_PATHS = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
]


def _font(size: int):
    for path in FONT_PATHS:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def _lines(election, positions) -> list[str]:
    lines = []
    for position in positions:
        names = ", ".join(c.name for c in position.candidates.all())
        if names:
            lines.append(f"{position.title}: {names}")
    return lines


def fingerprint(election, positions, site_name: str) -> str:
    text = "\n".join([site_name, election.name, *_lines(election, positions)])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def storage_name(election, positions, site_name: str) -> str:
    return f"campaign/og/{election.slug}-{fingerprint(election, positions, site_name)}.png"


def _fit(draw, text: str, font, width: int) -> str:
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def render(election, positions, site_name: str) -> bytes:
    """Draw the image and return PNG bytes."""
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, WIDTH, 150], fill=INK)
    draw.rectangle([0, 150, WIDTH, 162], fill=ACCENT)
    draw.text((60, 45), site_name.upper(), font=_font(40), fill=PAPER)
    draw.text(
        (60, 190), _fit(draw, election.name, _font(64), WIDTH - 120), font=_font(64), fill=INK
    )
    draw.text((60, 270), "Our candidates", font=_font(34), fill=ACCENT)
    font = _font(30)
    y = 325
    lines = _lines(election, positions)
    for i, line in enumerate(lines):
        if y > HEIGHT - 70:
            draw.text((60, y), f"and {len(lines) - i} more positions", font=font, fill=INK)
            break
        draw.text((60, y), _fit(draw, line, font, WIDTH - 120), font=font, fill=INK)
        y += 44
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def image_for(election, positions, site_name: str) -> str:
    """Return the storage name of the slate's image, drawing it if it is not stored yet."""
    name = storage_name(election, positions, site_name)
    if not default_storage.exists(name):
        default_storage.save(name, ContentFile(render(election, positions, site_name)))
    return name
