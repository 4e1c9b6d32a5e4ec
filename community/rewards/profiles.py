"""The rewards part of a member's profile page (a "profile" page section): rank, reputation, reward points
(own profile only), the 90-day reputation graph with its table, badges, top tags and the rewards the member
chose to show. Counts and "member since" are on the profile page already (community's member annotations).

Queries: the graph (1), badges (1, `badges.member_badges`), public redemptions (1,
`catalogue.public_redemptions`); the rank and totals come with the page's profile row, the top tags with
its member statistics (`community.member_stats`).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import ngettext

TOP_TAGS = 5


def top_tags(member: Any) -> list[dict]:
    """The tags of the questions the member answered most, from their `MemberStats` (the profile's member
    annotation `stats_top_tags`; one query without it)."""
    from community import member_stats
    from portal.paths import path_maker

    rows = member.stats_top_tags if hasattr(member, "stats_top_tags") else member_stats.read(member.pk).top_tags
    tag_path = path_maker("community_tag", tag="sample-tag")  # one reverse() for the list
    return [
        {"slug": slug, "name": name, "answers": answers, "url": tag_path(tag=slug),
         "answers_label": ngettext("%(counter)s answer", "%(counter)s answers", answers) % {"counter": answers}}
        for slug, name, answers in (rows or [])[:TOP_TAGS]
    ]


def profile_section(member: Any, request: Any) -> dict:
    from .badges import member_badges
    from .catalogue import public_redemptions
    from .graph import reputation_graph

    profile = getattr(member, "profile", None)
    reputation = profile.reputation if profile is not None else 0
    is_me = getattr(request, "user", None) is not None and request.user.pk == member.pk
    return {
        "rewards_profile": {
            "rank": profile.rank if profile is not None else "newcomer",
            "rank_label": profile.get_rank_display() if profile is not None else "",
            "reputation": reputation,
            "reward_points": profile.reward_points if (profile is not None and is_me) else None,
            "graph": reputation_graph(member.pk, reputation),
            "badges": member_badges(member.pk),
            "top_tags": top_tags(member),
            "redemptions": public_redemptions(member.pk),
            "is_me": is_me,
        }
    }


def register() -> None:
    """Subscriptions and registrations of this area (called from `registration.register()`)."""
    from portal import extensions

    extensions.register_page_section("profile", extensions.PageSection(
        "rewards", profile_section, template="rewards/includes/profile_section.html", order=20,
    ))
