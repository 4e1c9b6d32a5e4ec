"""Insights: the care KPIs (traffic, community, deflection, care, content) for the Wagtail admin.

Apps contribute metrics and tables through `registry` and daily rollups through `rollups`, from their
`AppConfig.ready()`; portal never imports them (see ARCHITECTURE.md, layers)."""
