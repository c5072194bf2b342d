"""Checking an uploaded listing photo and turning it into the JPEG sizes the pages show.

Every upload is decoded in full and encoded again, so nothing but pixels from the original file
reaches other people: no EXIF (GPS position, camera serial number), no ICC profile, no comment,
no XMP and no payload appended after the image data.
"""

from __future__ import annotations

import io
import struct
import warnings
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from marketplace.errors import ValidationError

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP")
MAX_UPLOAD_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 40_000_000
VARIANT_WIDTHS = (320, 640, 1280)
JPEG_QUALITY = 82
WHITE = (255, 255, 255)

# The start of every JPEG, PNG and WebP file: one that Pillow cannot read is damaged.
_ALLOWED_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")
_WEBP_CONTAINER = (b"RIFF", b"WEBP")
# GIF, BMP, TIFF and ICO, which people often try to upload. Recognising them lets the message say
# "this format is not accepted" rather than "this is not a photo", without Pillow parsing them.
_OTHER_IMAGE_SIGNATURES = (
    b"GIF87a",
    b"GIF89a",
    b"BM",
    b"II*\x00",
    b"MM\x00*",
    b"\x00\x00\x01\x00",
)
# Brands in the ISO base media file header ("....ftyp<brand>") of HEIC, HEIF and AVIF photos.
_OTHER_IMAGE_BRANDS = (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1", b"avif")

# What Pillow raises for corrupt or crafted files. Beyond the errors it documents, its plugins
# can let EOFError, IndexError or struct.error out of an inconsistent header; listing them keeps
# PhotoRejected the only way a bad upload can fail.
_DECODING_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    struct.error,
)


@dataclass(frozen=True)
class PreparedPhoto:
    variants: dict[int, bytes]
    width: int
    height: int
    content_type: str = "image/jpeg"


class PhotoRejected(ValidationError):
    def __init__(self, message: str) -> None:
        super().__init__(message, field="photos")


def prepare_photo(data: bytes) -> PreparedPhoto:
    """Check an uploaded photo and return its JPEG variants, or raise PhotoRejected."""
    _check_upload_size(data)
    image = _decode(data)
    widths = variant_widths(image.width)
    largest = _on_white(_resize(image, widths[-1]))
    # The smaller sizes come from the largest one: far quicker than from a 40-megapixel
    # original, and no different to the eye at these ratios.
    variants = {width: _encode_jpeg(_resize(largest, width)) for width in widths}
    return PreparedPhoto(variants, largest.width, largest.height)


def variant_widths(original_width: int) -> tuple[int, ...]:
    """The widths to make, ascending, for a photo `original_width` pixels wide when upright.

    Every width in VARIANT_WIDTHS that is not wider than the original, plus the original width
    when that is narrower than the largest of them. A photo is never enlarged, and a small
    photo is still offered at its full size: 2000 px gives (320, 640, 1280), 1280 px gives
    (320, 640, 1280), 500 px gives (320, 500) and 200 px gives (200,). The keys of
    PreparedPhoto.variants are these widths, which are the variants' real widths in pixels.
    """
    widths = {width for width in VARIANT_WIDTHS if width <= original_width}
    widths.add(min(original_width, VARIANT_WIDTHS[-1]))
    return tuple(sorted(widths))


def _check_upload_size(data: bytes) -> None:
    if not data:
        raise PhotoRejected(_l("The file is empty. Upload a JPEG, PNG or WebP photo."))
    if len(data) > MAX_UPLOAD_BYTES:
        raise PhotoRejected(
            _l(
                "The photo file is too large. Files can be at most %(megabytes)d MB.",
                megabytes=MAX_UPLOAD_BYTES // (1024 * 1024),
            )
        )


def _decode(data: bytes) -> Image.Image:
    """Decode every pixel and return the photo upright, in RGB or RGBA, without metadata."""
    with warnings.catch_warnings():
        # Pillow warns about malformed metadata in uploads, which nobody can act on. Its
        # decompression bomb warning becomes an exception so that it is caught below. The
        # filters are process-wide, so a thread running alongside may miss them; MAX_PIXELS,
        # lower than Pillow's limit, then still refuses every photo Pillow would warn about.
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            # verify() checks what it can without decoding (PNG chunk checksums) but lets a
            # truncated JPEG through, and leaves the image unusable: load a fresh one too.
            _open_image(data).verify()
            image = _open_image(data)
            image.load()
            return _normalise(image)
        except UnidentifiedImageError as error:
            raise _unidentified(data) from error
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise _too_many_pixels() from error
        except _DECODING_ERRORS as error:
            raise _damaged() from error


def _open_image(data: bytes) -> ImageFile.ImageFile:
    """Read the header only, and refuse oversized photos before any pixel is allocated."""
    image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
    if image.width < 1 or image.height < 1:
        raise _damaged()
    if image.width * image.height > MAX_PIXELS:
        raise _too_many_pixels()
    return image


def _normalise(image: Image.Image) -> Image.Image:
    ImageOps.exif_transpose(image, in_place=True)
    if image.mode in ("I", "I;16", "I;16B", "I;16L"):
        # 16-bit greyscale PNG: plain conversion would clip every value above 255 to white.
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    mode = "RGBA" if image.has_transparency_data else "RGB"
    working = image if image.mode == mode else image.convert(mode)
    # Pillow copies `info` (EXIF with GPS, ICC profile, comment, XMP) into every derived image
    # and writes some of it back when saving a JPEG. Emptying it here keeps every variant clean.
    working.info = {}
    return working


def _resize(image: Image.Image, width: int) -> Image.Image:
    if width == image.width:
        return image
    height = max(1, round(image.height * width / image.width))
    return image.resize((width, height), Image.Resampling.LANCZOS)


def _on_white(image: Image.Image) -> Image.Image:
    """JPEG has no transparency: paint transparent areas white rather than black."""
    if image.mode == "RGB":
        return image
    background = Image.new("RGB", image.size, WHITE)
    background.paste(image, mask=image.getchannel("A"))
    return background


def _encode_jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return buffer.getvalue()


def _unidentified(data: bytes) -> PhotoRejected:
    if data.startswith(_ALLOWED_SIGNATURES) or (data[:4], data[8:12]) == _WEBP_CONTAINER:
        return _damaged()
    if data.startswith(_OTHER_IMAGE_SIGNATURES) or (
        data[4:8] == b"ftyp" and data[8:12] in _OTHER_IMAGE_BRANDS
    ):
        return PhotoRejected(
            _l("This image format is not accepted. Upload a JPEG, PNG or WebP photo.")
        )
    return PhotoRejected(_l("This file is not a photo. Upload a JPEG, PNG or WebP image."))


def _too_many_pixels() -> PhotoRejected:
    return PhotoRejected(
        _l(
            "The photo has too many pixels. At most %(megapixels)d megapixels are accepted.",
            megapixels=MAX_PIXELS // 1_000_000,
        )
    )


def _damaged() -> PhotoRejected:
    return PhotoRejected(
        _l("The photo file is damaged or incomplete. Save it again or choose another photo.")
    )
