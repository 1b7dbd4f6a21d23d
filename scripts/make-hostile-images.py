#!/usr/bin/env python3
"""Writes tests/fixtures/hostile/: image files a person might drop into the studio that a
decoder can trip on (issue 33). Committed as made, so the tests need no Pillow; rerun with
`pip install pillow && python3 scripts/make-hostile-images.py` to make them again."""

import io
import struct
import zlib
from pathlib import Path

from PIL import Image, ImageDraw

out = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "hostile"
out.mkdir(parents=True, exist_ok=True)


def shape(mode, size=(40, 30), fill=(200, 60, 40)):
    image = Image.new("RGB", size, (255, 255, 255))
    ImageDraw.Draw(image).ellipse((8, 5, 30, 25), fill=fill)
    return image.convert(mode) if mode != "RGB" else image


def save(name, image, **options):
    buffer = io.BytesIO()
    image.save(buffer, **options)
    (out / name).write_bytes(buffer.getvalue())
    return buffer.getvalue()


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


# Used: decoders read them, whatever their storage.
save("cmyk.jpg", shape("CMYK"), format="JPEG", quality=90)
save("grey-alpha.png", shape("LA"), format="PNG")
save("deep.png", shape("I;16", fill=(90, 90, 90)), format="PNG")  # 16-bit grey
frames = [shape("RGB", fill=c) for c in [(200, 60, 40), (40, 60, 200), (40, 160, 60)]]
frames[0].save(out / "animated.gif", save_all=True, append_images=frames[1:], duration=100, loop=0)
save("plain.png", shape("RGB"), format="PNG")
save("plain.jpg", shape("RGB"), format="JPEG", quality=90)

# Refused, each for its own reason.
(out / "empty.png").write_bytes(b"")
(out / "notes.png").write_bytes(b"these are my notes, not an image\n")
png = save("dot.png", Image.new("RGB", (1, 1), (0, 0, 0)), format="PNG")
whole = (out / "plain.png").read_bytes()
(out / "torn.png").write_bytes(whole[: len(whole) // 2])
jpeg = (out / "plain.jpg").read_bytes()
(out / "torn.jpg").write_bytes(jpeg[: len(jpeg) // 2])
# A header that says 50,000 × 50,000 (2.5 gigapixels) over a few bytes of data.
ihdr = struct.pack(">IIBBBBB", 50_000, 50_000, 8, 2, 0, 0, 0)
(out / "vast.png").write_bytes(
    b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
)
(out / "archive.zip").write_bytes(b"PK\x03\x04" + bytes(60))
print("\n".join(sorted(p.name for p in out.iterdir())))
