"""The grounds a moderator decides on (DSA Art. 17(3)(d)): a short list of the provisions of
law and clauses of the terms that come up, and room for any other in the moderator's words."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import LazyString, force_locale
from flask_babel import lazy_gettext as _l

from marketplace.models import GroundKind

OTHER_LAW = "other-law"
OTHER_TERMS = "other-terms"


@dataclass(frozen=True)
class Ground:
    key: str
    kind: GroundKind
    text: LazyString


GROUNDS = (
    Ground(
        "waste-act",
        GroundKind.LAW,
        _l("Waste Act (646/2011): hazardous waste goes only to a licensed handler"),
    ),
    Ground(
        "stolen-goods",
        GroundKind.LAW,
        _l("Criminal Code (39/1889), chapter 32: receiving and dealing in stolen goods"),
    ),
    Ground("fraud", GroundKind.LAW, _l("Criminal Code (39/1889), chapter 36: fraud")),
    Ground(
        "personal-data",
        GroundKind.LAW,
        _l("Data Protection Regulation (EU) 2016/679: personal data without a lawful basis"),
    ),
    Ground(
        "intellectual-property",
        GroundKind.LAW,
        _l("Copyright Act (404/1961) or Trademarks Act (544/2019)"),
    ),
    Ground(
        "terms-lawful-accurate",
        GroundKind.TERMS,
        _l("Terms of use: listings offer lawful goods and describe them truthfully"),
    ),
    Ground(
        "terms-hazard-declaration",
        GroundKind.TERMS,
        _l("Terms of use: demolition material needs a truthful hazard declaration"),
    ),
    Ground(
        "terms-no-spam",
        GroundKind.TERMS,
        _l("Terms of use: no spam, duplicate listings or advertising"),
    ),
    Ground(
        "terms-conduct",
        GroundKind.TERMS,
        _l("Terms of use: treat the other people on the marketplace with respect"),
    ),
    Ground(
        "terms-honest-accounts",
        GroundKind.TERMS,
        _l("Terms of use: one person, one account, used honestly"),
    ),
)
BY_KEY = {ground.key: ground for ground in GROUNDS}
OTHERS = {
    OTHER_LAW: (GroundKind.LAW, _l("Another provision of law, named below")),
    OTHER_TERMS: (GroundKind.TERMS, _l("Another clause of the terms of use, named below")),
}


def kind_of(key: str) -> GroundKind:
    if key in OTHERS:
        return OTHERS[key][0]
    return BY_KEY[key].kind


def choices() -> list[tuple[str, LazyString]]:
    """(key, text) of every ground, the listed ones and then "another provision"."""
    listed = [(g.key, g.text) for g in GROUNDS]
    return listed + [(key, text) for key, (_, text) in OTHERS.items()]


def written(key: str, detail: str, locale: str) -> str:
    """The ground as the statement states it, in the language of the person it is sent to:
    the chosen provision, then the moderator's own words."""
    detail = detail.strip()
    if key in OTHERS:
        return detail
    with force_locale(locale):
        text = str(BY_KEY[key].text)
    return f"{text}\n{detail}" if detail else text
