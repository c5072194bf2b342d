"""What a feature adds to a page that another feature renders.

Dependencies between features point one way: reservations build on listings, payments settle
reservations, sites belong to organisations. Yet a page of the lower feature can show a piece
of the higher one: a listing's page carries the reservation form, an organisation's page its
sites. The lower feature's view asks `parts_of(template, ...)` for the values its template
needs from above; the higher feature adds its part with `add_part` when its blueprint is
registered. Neither imports the other against the grain, and a page whose parts are missing
renders without them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Blueprint, current_app
from flask.blueprints import BlueprintSetupState

# Called with the arguments the page's view passes to `parts_of`; returns template values.
Part = Callable[..., Mapping[str, Any]]

EXTENSION = "page_parts"


def add_part(blueprint: Blueprint, template: str, part: Part) -> None:
    """Have `part` add its values to `template` in every app the blueprint is registered on."""

    def install(state: BlueprintSetupState) -> None:
        parts: dict[str, list[Part]] = state.app.extensions.setdefault(EXTENSION, {})
        parts.setdefault(template, []).append(part)

    blueprint.record_once(install)


def parts_of(template: str, *args: Any) -> dict[str, Any]:
    """The values the registered parts add to `template`, each called with `args`."""
    values: dict[str, Any] = {}
    for part in current_app.extensions.get(EXTENSION, {}).get(template, ()):
        values.update(part(*args))
    return values
