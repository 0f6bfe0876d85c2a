"""Draw the app icons and favicon (static/pwa/) with Pillow: python scripts/make_icons.py"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parents[1] / "static" / "pwa"
BRAND = (11, 79, 67)  # --brand-dark
ACCENT = (245, 183, 49)  # --accent


def icon(size: int, maskable: bool = False) -> Image.Image:
    scale = 4  # drawn large, then reduced: smooth edges
    big = size * scale
    image = Image.new("RGB", (big, big), BRAND)
    draw = ImageDraw.Draw(image)
    # A map pin: a circle with a point below, inside the maskable safe zone (80 %).
    margin = big * (0.22 if maskable else 0.14)
    radius = (big - 2 * margin) * 0.36
    cx, cy = big / 2, margin + radius * 1.05
    draw.ellipse([cx - radius, cy - radius, cx + radius, cy + radius], fill=ACCENT)
    tip = big - margin
    draw.polygon(
        [
            (cx - radius * 0.78, cy + radius * 0.62),
            (cx + radius * 0.78, cy + radius * 0.62),
            (cx, tip),
        ],
        fill=ACCENT,
    )
    hole = radius * 0.42
    draw.ellipse([cx - hole, cy - hole, cx + hole, cy + hole], fill=BRAND)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        icon(size).save(OUT / f"icon-{size}.png", optimize=True)
    icon(512, maskable=True).save(OUT / "icon-maskable-512.png", optimize=True)
    icon(180).save(OUT / "apple-touch-icon.png", optimize=True)
    icon(32).save(OUT / "favicon-32.png", optimize=True)
    icon(48).save(OUT / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])


if __name__ == "__main__":
    main()
