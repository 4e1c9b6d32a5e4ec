"""Registries through which higher apps contribute to the portal's pages, without `portal` importing them.

The layers (README, "Layers and registries"): `portal` ← `search` ← `knowledge` ← `community` ←
`moderation` ← `devtools`. A lower layer never imports a higher one; it offers a registry here and the
higher app registers itself in its `AppConfig.ready()`:

- page sections: what a page kind ("home", "topic", "profile") shows of another app — a context provider,
  an optional template rendered in the page's sections slot, and the cache stamps the section depends on;
- cache stamps: named version numbers; the whole-page cache records those a page was rendered at and
  treats the copy as stale when any of them has moved;
- view counters: a page names its counter (`page_view_counter = "article"`), the owning app counts views;
- member annotations: counts for a member's profile, as annotations of a user queryset (no query of their
  own);
- health checks: the parts of /healthz that belong to other apps (search);
- template slots: named places in a lower app's templates where a higher app includes its own template
  (moderation's flag link and moderator tools in each post's tool row: "community.post_tools",
  "community.comment_tools"); the included template gets the surrounding context;
- account restrictions: why a member may not change their own account details right now (moderation's
  sanctions make an account read-only): `update_profile` refuses with the first message, the profile form
  shows them.

Registering twice under the same name replaces the entry (ready() may run more than once in tests).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

SectionContext = Callable[[Any, Any], Mapping[str, Any]]  # (subject, request) -> context entries


@dataclass(frozen=True)
class PageSection:
    name: str
    context: SectionContext
    # A template name (or a compiled template), included with the page's context, in `order`, by the page's
    # `{% for section in page_sections %}{% include section.template %}{% endfor %}` slot.
    template: str | Any = ""
    order: int = 100
    stamps: tuple[str, ...] = ()  # cache stamps (see `register_cache_stamp`) the section's content follows


@dataclass(frozen=True)
class Sections:
    """What the registered sections add to one page: context entries, the templates to include, and the
    cache stamps read before any section queried its content (a cached copy is never newer than them)."""

    context: dict[str, Any] = field(default_factory=dict)
    stamps: tuple[tuple[str, int], ...] = ()


_sections: dict[str, dict[str, PageSection]] = {}
_stamps: dict[str, Callable[[], int]] = {}
_view_counters: dict[str, Callable[[int], None]] = {}
_member_annotations: dict[str, Callable[[], Mapping[str, Any]]] = {}
_health_checks: dict[str, Callable[[], dict]] = {}
_template_slots: dict[str, dict[str, tuple[int, str]]] = {}
_account_restrictions: dict[str, Callable[[Any], Any]] = {}


# --- account restrictions ------------------------------------------------------------------------------------


def register_account_restriction(name: str, provider: Callable[[Any], Any]) -> None:
    """`provider(user)` returns the reasons (translated messages) the member may not edit their profile now."""
    _account_restrictions[name] = provider


def account_restrictions(user: Any) -> list[str]:
    """Every registered reason `user` may not edit their profile (empty: they may)."""
    return [str(message) for name in sorted(_account_restrictions) for message in _account_restrictions[name](user) if message]


# --- template slots ------------------------------------------------------------------------------------------


def register_template_slot(slot: str, name: str, template: str, order: int = 100) -> None:
    """Include `template` in the templates' `slot` (in `order`); registering `name` again replaces it."""
    _template_slots.setdefault(slot, {})[name] = (order, template)


def slot_templates(slot: str) -> list[str]:
    return [template for _order, template in sorted(_template_slots.get(slot, {}).values())]


# --- page sections -------------------------------------------------------------------------------------------


def register_page_section(kind: str, section: PageSection) -> None:
    _sections.setdefault(kind, {})[section.name] = section


def unregister_page_section(kind: str, name: str) -> None:
    _sections.get(kind, {}).pop(name, None)


def page_sections(kind: str) -> list[PageSection]:
    return sorted(_sections.get(kind, {}).values(), key=lambda section: (section.order, section.name))


def section_context(kind: str, subject: Any, request: Any) -> Sections:
    """Run every section registered for `kind`: the stamps they depend on are read first, then their
    context providers; `page_sections` (the sections with a template) goes into the context."""
    sections = page_sections(kind)
    stamps = read_stamps(name for section in sections for name in section.stamps)
    context: dict[str, Any] = {}
    for section in sections:
        context.update(section.context(subject, request))
    context["page_sections"] = [section for section in sections if section.template]
    return Sections(context, stamps)


# --- cache stamps --------------------------------------------------------------------------------------------


def register_cache_stamp(name: str, read: Callable[[], int]) -> None:
    _stamps[name] = read


def unregister_cache_stamp(name: str) -> None:
    _stamps.pop(name, None)


def read_stamps(names) -> tuple[tuple[str, int], ...]:
    """The current value of each named stamp (each once, sorted by name); unknown names are skipped."""
    return tuple((name, _stamps[name]()) for name in sorted(set(names)) if name in _stamps)


def stamps_current(recorded: tuple[tuple[str, int], ...]) -> bool:
    """True when every recorded stamp still has its value (a stamp no longer registered counts as moved)."""
    return all(name in _stamps and _stamps[name]() == value for name, value in recorded)


# --- page views ----------------------------------------------------------------------------------------------


def register_view_counter(name: str, count: Callable[[int], None]) -> None:
    _view_counters[name] = count


def count_view(name: str, object_id: int) -> None:
    counter = _view_counters.get(name)
    if counter is not None:
        counter(object_id)


# --- member annotations --------------------------------------------------------------------------------------


def register_member_annotations(name: str, provider: Callable[[], Mapping[str, Any]]) -> None:
    _member_annotations[name] = provider


def member_annotations() -> dict[str, Any]:
    annotations: dict[str, Any] = {}
    for name in sorted(_member_annotations):
        annotations.update(_member_annotations[name]())
    return annotations


# --- health checks -------------------------------------------------------------------------------------------


def register_health_check(name: str, check: Callable[[], dict]) -> None:
    _health_checks[name] = check


def unregister_health_check(name: str) -> None:
    _health_checks.pop(name, None)


def health_checks() -> dict[str, Callable[[], dict]]:
    return dict(sorted(_health_checks.items()))
