"""`/community/privileges/` (`community_privileges`): "what you can do next" — each privilege, the reputation it
needs, and for a signed-in member whether they have it or how many points are still to go."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from community.standing import standing

from ..privileges import privilege_rows


@require_GET
def privileges(request):
    member = standing(request.user)
    rows = privilege_rows(request.user)
    return render(request, "rewards/privileges.html", {
        "rows": rows,
        "signed_in": member.active,
        "verified": member.verified,
        "reputation": member.reputation,
        "held": sum(1 for row in rows if row.met),
    })
