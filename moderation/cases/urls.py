"""The customer's support pages (included by portal/urls.py under i18n_patterns, prefix /support/)."""

from __future__ import annotations

from django.urls import path

from portal.params import register_converters

from .views import customer, survey

register_converters()  # <id:...>

urlpatterns: list = [
    path("cases/", customer.case_list, name="support_cases"),
    path("cases/<id:pk>/", customer.case_detail, name="support_case"),
    path("cases/<id:pk>/reply/", customer.case_reply, name="support_case_reply"),
    path("survey/<str:token>/", survey.survey, name="support_survey"),
]
