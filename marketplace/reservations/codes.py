"""Pickup codes: short enough to read aloud on a building site, with no look-alike letters."""

from __future__ import annotations

import secrets

import qrcode
import qrcode.image.svg

ALPHABET = "ACDEFGHJKLMNPQRTUVWXY34679"
LENGTH = 6


def new_pickup_code() -> str:
    # One draw from the system's randomness rather than one per letter: each draw is a
    # system call, and this runs on every reservation.
    number = secrets.randbelow(len(ALPHABET) ** LENGTH)
    letters = []
    for _ in range(LENGTH):
        number, index = divmod(number, len(ALPHABET))
        letters.append(ALPHABET[index])
    return "".join(letters)


def normalise(code: str) -> str:
    return "".join(code.split()).upper()


def qr_svg(text: str) -> bytes:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    svg: bytes = image.to_string()
    return svg
