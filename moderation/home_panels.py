"""Panels on the Wagtail admin's home page for the people who work queues: each area adds one through
Wagtail's `construct_homepage_panels` hook (see `moderation.queue.admin`, `moderation.cases.workspace.admin`)."""

from __future__ import annotations

from collections.abc import Callable

from wagtail.admin.ui.components import Component

Row = tuple[str, int, str]  # label, number, link


class CountsPanel(Component):
    """A heading, a table of (label, number, link) rows computed when the panel is drawn, and a link to the
    whole area."""

    template_name = "moderation/includes/home_counts_panel.html"

    def __init__(self, name: str, heading: str, rows: Callable[[object], list[Row]], more: tuple[str, str], order: int):
        self.name, self.heading, self.rows, self.more, self.order = name, heading, rows, more, order

    def get_context_data(self, parent_context):
        return {
            "panel_id": self.name, "heading": self.heading, "rows": self.rows(parent_context["request"].user),
            "more_label": self.more[0], "more_url": self.more[1],
        }
