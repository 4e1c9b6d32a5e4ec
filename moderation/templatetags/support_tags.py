"""`{% has_support_cases as flag %}`: whether the signed-in member has support cases (the header's
"My support cases" link), answered from their session without a query on most pages
(`moderation.cases.customer.has_cases`)."""

from __future__ import annotations

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def has_support_cases(context) -> bool:
    from moderation.cases.customer import has_cases

    request = context.get("request")
    return has_cases(request) if request is not None else False
