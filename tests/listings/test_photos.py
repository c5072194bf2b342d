"""Uploaded photos: what is refused, and what the stored variants keep and leave out.

Every test image is drawn with Pillow here, so the repository holds no binary fixtures.
"""

from __future__ import annotations

import io
import random
import struct
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask_babel import Babel
from flask_babel.speaklater import LazyString
from PIL import ExifTags, Image, ImageCms, ImageFile

from marketplace.listings import photo_processing
from marketplace.listings.photo_processing import PhotoRejected, prepare_photo, variant_widths

RED = (220, 20, 20)
BLUE = (20, 20, 220)
GREEN = (20, 200, 20)
ALLOWED = "JPEG, PNG or WebP"
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>'


@pytest.fixture(autouse=True)
def babel_app() -> Iterator[None]:
    # Messages are lazy strings; render them the way a request would, without the project's
    # application (which other tests set up).
    app = Flask(__name__)
    app.config["BABEL_DEFAULT_LOCALE"] = "en"
    Babel(app)
    with app.app_context():
        yield


def encode(image: Image.Image, image_format: str, **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def noisy(size: tuple[int, int]) -> Image.Image:
    # Noise does not compress, so a truncated file really lacks image data.
    return Image.merge("RGB", [Image.effect_noise(size, 80) for _ in range(3)])


def rejection(data: bytes) -> str:
    with pytest.raises(PhotoRejected) as caught:
        prepare_photo(data)
    assert caught.value.field == "photos"
    assert isinstance(caught.value.message, LazyString)
    return str(caught.value.message)


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def assert_clean_jpeg(data: bytes) -> Image.Image:
    image = decoded(data)
    assert image.format == "JPEG" and image.mode == "RGB"
    assert not image.getexif()
    for key in ("exif", "icc_profile", "comment", "xmp"):
        assert key not in image.info
    for marker in (b"Exif\x00\x00", b"ICC_PROFILE", b"http://ns.adobe.com/xap", b"Kera 12"):
        assert marker not in data
    assert image.info.get("progressive")
    return image


def is_close(pixel: Any, colour: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 40 for a, b in zip(pixel, colour, strict=True))


def phone_photo() -> bytes:
    """Stored sideways, as a phone held upright writes it: red on the left, blue on the right,
    with orientation 6 ("rotate 90° clockwise to view"), a GPS position, an ICC profile, a
    comment and XMP."""
    image = Image.new("RGB", (800, 400), RED)
    image.paste(BLUE, (400, 0, 800, 400))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "Phone"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (60.0, 13.0, 12.5),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (24.0, 48.0, 3.0),
    }
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    comment = b"Kera 12, Espoo"
    return encode(image, "JPEG", exif=exif, icc_profile=profile, comment=comment, xmp=XMP)


def test_the_phone_photo_fixture_carries_what_must_be_stripped() -> None:
    original = decoded(phone_photo())
    exif = original.getexif()
    assert exif[ExifTags.Base.Orientation] == 6
    assert exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] == "N"
    assert original.info["icc_profile"] and original.info["comment"] and original.info["xmp"]


def test_a_sideways_phone_photo_is_stood_upright() -> None:
    prepared = prepare_photo(phone_photo())
    assert sorted(prepared.variants) == [320, 400]
    assert (prepared.width, prepared.height) == (400, 800)
    largest = decoded(prepared.variants[400])
    assert largest.size == (400, 800)
    # Turning the stored picture clockwise brings its left (red) side to the top.
    assert is_close(largest.getpixel((200, 100)), RED)
    assert is_close(largest.getpixel((200, 700)), BLUE)


def test_no_variant_keeps_exif_gps_icc_comment_or_xmp() -> None:
    prepared = prepare_photo(phone_photo())
    assert prepared.content_type == "image/jpeg"
    for data in prepared.variants.values():
        assert_clean_jpeg(data)


def test_bytes_appended_after_the_image_do_not_survive() -> None:
    payload = b"<?php system($_GET['c']); ?>"
    prepared = prepare_photo(encode(noisy((400, 300)), "JPEG") + payload)
    for data in prepared.variants.values():
        assert payload not in data
        assert data.endswith(b"\xff\xd9")


def test_transparent_png_areas_turn_white() -> None:
    image = Image.new("RGBA", (2000, 1000), (0, 0, 0, 0))
    image.paste((*GREEN, 255), (1000, 0, 2000, 1000))
    prepared = prepare_photo(encode(image, "PNG"))
    assert sorted(prepared.variants) == [320, 640, 1280]
    assert (prepared.width, prepared.height) == (1280, 640)
    for width, data in prepared.variants.items():
        variant = assert_clean_jpeg(data)
        assert variant.size == (width, width // 2)
        assert is_close(variant.getpixel((width // 8, width // 4)), (255, 255, 255))
        assert is_close(variant.getpixel((width * 7 // 8, width // 4)), GREEN)


def test_a_transparent_palette_colour_turns_white() -> None:
    image = Image.new("P", (400, 200), 0)
    image.putpalette([0, 0, 0, *GREEN])
    image.paste(1, (200, 0, 400, 200))
    prepared = prepare_photo(encode(image, "PNG", transparency=0))
    variant = decoded(prepared.variants[400])
    assert is_close(variant.getpixel((50, 100)), (255, 255, 255))
    assert is_close(variant.getpixel((350, 100)), GREEN)


def test_a_16_bit_greyscale_png_keeps_its_tones() -> None:
    ramp = Image.linear_gradient("L").resize((400, 400)).convert("I")
    prepared = prepare_photo(encode(ramp.point(lambda value: value * 257).convert("I;16"), "PNG"))
    top = decoded(prepared.variants[400]).getpixel((200, 5))
    bottom = decoded(prepared.variants[400]).getpixel((200, 395))
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    assert top[0] < 30 and bottom[0] > 225


@pytest.mark.parametrize(
    ("original_width", "widths"),
    [
        (2000, (320, 640, 1280)),
        (1280, (320, 640, 1280)),
        (1000, (320, 640, 1000)),
        (500, (320, 500)),
        (320, (320,)),
        (200, (200,)),
        (1, (1,)),
    ],
)
def test_variants_are_never_wider_than_the_original(
    original_width: int, widths: tuple[int, ...]
) -> None:
    assert variant_widths(original_width) == widths
    image = noisy((original_width, 300))
    prepared = prepare_photo(encode(image, "WEBP", lossless=True))
    assert tuple(sorted(prepared.variants)) == widths
    for width, data in prepared.variants.items():
        assert decoded(data).size == (width, max(1, round(300 * width / original_width)))
    assert prepared.width == widths[-1]


def test_downscaling_averages_fine_detail_instead_of_aliasing_it() -> None:
    stripes = Image.new("L", (1280, 400), 0)
    for x in range(0, 1280, 2):
        stripes.paste(255, (x, 0, x + 1, 400))
    prepared = prepare_photo(encode(stripes, "PNG"))
    grey = decoded(prepared.variants[320]).convert("L").tobytes()
    assert min(grey) >= 100 and max(grey) <= 160


def with_declared_size(png: bytes, width: int, height: int) -> bytes:
    """Rewrite the size in a PNG header (and its checksum) without adding any pixel data."""
    assert png[12:16] == b"IHDR"
    chunk = png[12:16] + struct.pack(">II", width, height) + png[24:29]
    return png[:12] + chunk + struct.pack(">I", zlib.crc32(chunk)) + png[33:]


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (20_000, 20_000),  # Pillow's own limit raises DecompressionBombError
        (10_000, 10_000),  # Pillow only warns: DecompressionBombWarning
        (8_000, 6_000),  # below Pillow's limits, above MAX_PIXELS
    ],
)
def test_a_decompression_bomb_is_refused_before_decoding(
    monkeypatch: pytest.MonkeyPatch, width: int, height: int
) -> None:
    bomb = with_declared_size(encode(Image.new("1", (8, 8)), "PNG"), width, height)
    assert len(bomb) < 200
    opened = Image.open(io.BytesIO(with_declared_size(bomb, 8, 8)))
    assert opened.size == (8, 8)

    def no_decoding(self: ImageFile.ImageFile) -> None:
        raise AssertionError("pixel data was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    assert "too many pixels" in rejection(bomb)


def test_pillows_bomb_warning_is_a_rejection_even_above_our_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # With MAX_PIXELS out of the way, only Pillow's warning stands between the bomb and load().
    monkeypatch.setattr(photo_processing, "MAX_PIXELS", 10**12)
    bomb = with_declared_size(encode(Image.new("1", (8, 8)), "PNG"), 10_000, 10_000)

    def no_decoding(self: ImageFile.ImageFile) -> None:
        raise AssertionError("pixel data was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    assert "too many pixels" in rejection(bomb)


def test_the_pixel_limit_is_inclusive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(photo_processing, "MAX_PIXELS", 100 * 60)
    assert prepare_photo(encode(noisy((100, 60)), "PNG")).width == 100
    assert "too many pixels" in rejection(encode(noisy((101, 60)), "PNG"))


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
        random.Random(7).randbytes(4096),
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
    ],
    ids=["pdf", "random", "svg"],
)
def test_a_file_that_is_no_image_is_refused(data: bytes) -> None:
    message = rejection(data)
    assert "not a photo" in message and ALLOWED in message


@pytest.mark.parametrize(
    ("image_format", "options"),
    [("JPEG", {}), ("JPEG", {"progressive": True}), ("PNG", {}), ("WEBP", {})],
    ids=["jpeg", "progressive-jpeg", "png", "webp"],
)
def test_a_truncated_photo_is_refused(image_format: str, options: dict[str, Any]) -> None:
    whole = encode(noisy((600, 400)), image_format, **options)
    assert prepare_photo(whole).width == 600
    assert "damaged or incomplete" in rejection(whole[: len(whole) // 2])
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


@pytest.mark.parametrize("chunk", [b"IHDR", b"IDAT"])
def test_a_png_with_a_wrong_checksum_is_refused(chunk: bytes) -> None:
    png = bytearray(encode(noisy((60, 40)), "PNG"))
    start = png.index(chunk) - 4
    (length,) = struct.unpack(">I", png[start : start + 4])
    png[start + 8 + length] ^= 0xFF  # the chunk's CRC follows its type and data
    assert "damaged or incomplete" in rejection(bytes(png))


@pytest.mark.parametrize(
    "start",
    [b"\xff\xd8\xff\xe0", b"\x89PNG\r\n\x1a\n", b"RIFF\x00\x01\x00\x00WEBPVP8 "],
    ids=["jpeg", "png", "webp"],
)
def test_a_photo_whose_header_is_garbled_is_called_damaged(start: bytes) -> None:
    assert "damaged or incomplete" in rejection(start + random.Random(3).randbytes(200))


@pytest.mark.parametrize("image_format", ["GIF", "BMP", "TIFF", "ICO"])
def test_other_image_formats_are_refused_by_name(image_format: str) -> None:
    message = rejection(encode(noisy((64, 64)), image_format))
    assert "format is not accepted" in message and ALLOWED in message


def test_an_iphone_heic_photo_is_refused_by_name() -> None:
    heic = struct.pack(">I", 24) + b"ftypheic" + b"\x00\x00\x00\x00mif1heic" + bytes(64)
    message = rejection(heic)
    assert "format is not accepted" in message and ALLOWED in message


def test_an_empty_file_is_refused() -> None:
    assert "empty" in rejection(b"")


def test_a_file_over_the_byte_limit_is_refused_before_decoding(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    photo = encode(noisy((50, 50)), "PNG")
    monkeypatch.setattr(photo_processing, "MAX_UPLOAD_BYTES", len(photo))
    assert prepare_photo(photo).width == 50

    monkeypatch.setattr(photo_processing, "MAX_UPLOAD_BYTES", 2 * 1024 * 1024)

    def no_opening(*args: object, **kwargs: object) -> None:
        raise AssertionError("the file was opened")

    monkeypatch.setattr(Image, "open", no_opening)
    message = rejection(b"\x89PNG" + bytes(2 * 1024 * 1024))
    assert "too large" in message and "2 MB" in message


def test_the_default_limits() -> None:
    assert photo_processing.ALLOWED_FORMATS == ("JPEG", "PNG", "WEBP")
    assert photo_processing.MAX_UPLOAD_BYTES == 15 * 1024 * 1024
    assert photo_processing.MAX_PIXELS == 40_000_000
    assert photo_processing.VARIANT_WIDTHS == (320, 640, 1280)


def mutated(rng: random.Random, data: bytes) -> bytes:
    damaged = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        position = rng.randrange(min(len(damaged), 300))
        action = rng.random()
        if action < 0.6:
            damaged[position] = rng.randrange(256)
        elif action < 0.8:
            del damaged[position : position + rng.randint(1, 40)]
        else:
            damaged[position:position] = rng.randbytes(rng.randint(1, 16))
    return bytes(damaged)


def test_a_damaged_file_never_fails_with_anything_but_photo_rejected() -> None:
    rng = random.Random(2024)
    image = noisy((48, 32))
    originals = [
        encode(image, "JPEG"),
        encode(image, "JPEG", progressive=True, exif=Image.Exif()),
        encode(image, "PNG"),
        encode(image.convert("RGBA"), "PNG"),
        encode(image, "WEBP"),
        encode(image, "WEBP", lossless=True),
    ]
    outcomes = {"prepared": 0, "rejected": 0}
    for _ in range(600):
        try:
            prepare_photo(mutated(rng, rng.choice(originals)))
            outcomes["prepared"] += 1
        except PhotoRejected:
            outcomes["rejected"] += 1
    assert outcomes["prepared"] > 0 and outcomes["rejected"] > 0
