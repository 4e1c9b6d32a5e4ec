"""Moderation's public URLs (included by portal/urls.py under i18n_patterns, prefix /community/moderation/)."""

from __future__ import annotations

from django.urls import path

from portal.params import register_converters

from .queue import public as queue_public
from .views import curate, member
from .views import flags as flag_views
from .views import lift as lift_views
from .views import moderate as moderate_views

register_converters()  # <id:...>

urlpatterns: list = [
    path("", member.actions, name="moderation_member"),
    path("appeal/<str:kind>/<id:pk>/", member.appeal, name="moderation_appeal"),
    path("flag/<str:kind>/<id:pk>/", flag_views.flag, name="moderation_flag"),
    path("post/<str:kind>/<id:pk>/<str:action>/", moderate_views.moderate, name="moderation_moderate"),
    path("curate/<str:kind>/<id:pk>/", curate.curate, name="moderation_curate"),
    path("lift/<id:pk>/", lift_views.lift, name="moderation_lift"),
    path("queue/", queue_public.queue, name="moderation_queue_public"),
]

# --- support cases: escalation from the question page ---
from .cases.views import escalate as escalate_views  # noqa: E402

urlpatterns += [
    path("escalate/<id:pk>/", escalate_views.escalate_question, name="cases_escalate"),
    path("help/<id:pk>/", escalate_views.request_help_view, name="cases_request_help"),
]
