"""Building thousands of identical apps cheaply: the suite makes a fresh app for every test.

Three costs of a new Flask app repeat identically for each one, and dominate a short test:
- Werkzeug parses each of its URL rules (about 130) into the regular expressions it matches
  with, and compiles two URL-builder functions per rule into Python code;
- Jinja parses and compiles every template the test renders, because each app has its own
  environment and template cache.
Both results depend only on their input (a rule's shape; a template's source), so the suite
keeps them for the whole session. Production builds one app per process and needs neither.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from werkzeug.routing.rules import Rule

_builders: dict[tuple[Any, ...], Callable[..., tuple[str, str]]] = {}
# A parsed rule: its parts, and what parsing adds to the rule (trace entries, converters).
_Parsed = tuple[list[Any], list[tuple[bool, str]], dict[str, Any]]
_parsed: dict[tuple[Any, ...], _Parsed] = {}


class _SessionBytecodeCache(BytecodeCache):
    """Compiled templates kept in memory; Jinja checks each source's checksum before use."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_templates = _SessionBytecodeCache()


def _builder_key(rule: Rule, append_unknown: bool) -> tuple[Any, ...]:
    # The compiled builder reads converters through its `self` argument; what is baked into
    # its code is the rule's trace, the defaults resolved to constants, and append_unknown.
    defaults = tuple(sorted((key, repr(value)) for key, value in (rule.defaults or {}).items()))
    converters = tuple(sorted((name, type(c).__name__) for name, c in rule._converters.items()))
    return (rule.rule, tuple(rule._trace), defaults, converters, append_unknown)


def install() -> None:
    """Memoise Werkzeug's URL builders by the rule's shape, once per test session."""
    if getattr(Rule, "_memoised_by_tests", False) or not hasattr(Rule, "_compile_builder"):
        return
    compile_builder = Rule._compile_builder

    def memoised(self: Rule, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        key = _builder_key(self, append_unknown)
        builder = _builders.get(key)
        if builder is None:
            builder = _builders[key] = compile_builder(self, append_unknown)
        return builder

    Rule._compile_builder = memoised  # type: ignore[method-assign]
    Rule._parse_rule = _memoised_parser(Rule._parse_rule)  # type: ignore[method-assign,assignment]
    Rule._memoised_by_tests = True  # type: ignore[attr-defined]


def _memoised_parser(parse_rule: Callable[[Rule, str], Any]) -> Callable[[Rule, str], Any]:
    """Werkzeug's rule parser, keyed by the rule's text and the map's converter classes. The
    converters it makes are kept with the result: they are stateless (`regex`, `to_python`,
    `to_url`), and every test app's map sets them up alike."""

    def memoised(self: Rule, rule: str) -> Any:
        assert self.map is not None
        key = (rule, tuple(sorted(self.map.converters.items())))
        found = _parsed.get(key)
        if found is None:
            traced, known = len(self._trace), set(self._converters)
            parts = list(parse_rule(self, rule))
            added = {k: v for k, v in self._converters.items() if k not in known}
            found = _parsed[key] = (parts, self._trace[traced:], added)
        else:
            parts, trace, converters = found
            self._trace.extend(trace)
            self._converters.update(converters)
            self.arguments.update(converters)
        return iter(parts)

    return memoised


def share_templates(app: Flask) -> None:
    app.jinja_env.bytecode_cache = _templates
