"""Rasterises the colour emoji of Noto Color Emoji into an idx image file.

The font (Debian `fonts-noto-color-emoji`) stores each glyph as a 136x128 RGBA PNG in its CBDT
table. Each bitmap is composited on white, padded to a square, resized (Lanczos) and written
as an idx file of shape [n, size, size, 3] (gzip), the layout `gan-playground train` reads.

    python scripts/emoji_to_idx.py NotoColorEmoji.ttf out.idx.gz [--size 32]

Needs fontTools and Pillow (PyPI). Glyphs are taken in the font's glyph order; skin-tone and
other sequence variants are included, flags and keycaps too.
"""

import argparse
import gzip
import io
import struct

from fontTools.ttLib import TTFont
from PIL import Image


def glyph_images(font_path):
    font = TTFont(font_path)
    strike = font["CBDT"].strikeData[0]
    for name in font.getGlyphOrder():
        bitmap = strike.get(name)
        if bitmap is None:
            continue
        data = bitmap.data
        # Formats 17/18/19 hold a small metrics header, then a uint32 length, then the PNG.
        start = data.find(b"\x89PNG")
        if start < 0:
            continue
        yield name, Image.open(io.BytesIO(data[start:])).convert("RGBA")


def to_square_rgb(img, size):
    w, h = img.size
    side = max(w, h)
    canvas = Image.new("RGBA", (side, side), (255, 255, 255, 255))
    canvas.alpha_composite(img, ((side - w) // 2, (side - h) // 2))
    return canvas.convert("RGB").resize((size, size), Image.LANCZOS)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("font")
    ap.add_argument("out")
    ap.add_argument("--size", type=int, default=32)
    args = ap.parse_args()
    pixels = bytearray()
    n = 0
    for _, img in glyph_images(args.font):
        pixels += to_square_rgb(img, args.size).tobytes()
        n += 1
    header = struct.pack(">BBBB", 0, 0, 0x08, 4) + struct.pack(">IIII", n, args.size, args.size, 3)
    with gzip.open(args.out, "wb", 9) as f:
        f.write(header + bytes(pixels))
    print(f"wrote {n} emoji at {args.size}x{args.size} to {args.out}")


if __name__ == "__main__":
    main()
