from __future__ import annotations


def can_vote_helpful(visitor, article) -> bool:
    """Anyone may rate a live article once: a signed-in user, or an anonymous visitor's session."""
    return bool(article.live and (visitor.user_id or visitor.session_key))
