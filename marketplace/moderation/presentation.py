"""How moderation values read where they are kept as plain text (notification data)."""

from __future__ import annotations

from marketplace.models import ComplaintStatus, DecisionAction, GroundKind, NoticeReason
from marketplace.web.labels import label

KINDS = {
    "action": DecisionAction,
    "ground_kind": GroundKind,
    "reason": NoticeReason,
    "outcome": ComplaintStatus,
}


def moderation_label(kind: str, value: str) -> str:
    """The label of a decision's action, a ground's kind, a notice's reason or a complaint's
    outcome, given by its stored value."""
    try:
        return label(KINDS[kind](value))
    except (KeyError, ValueError):
        return value


def ground_label(value: str) -> str:
    return moderation_label("ground_kind", value)
