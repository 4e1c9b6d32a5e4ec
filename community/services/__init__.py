"""Community services: every state change of the Q&A forum goes through a function here.

Each one checks permission → opens a transaction → locks what races → writes with F() counters and
`update_fields` → appends a ledger row → publishes a domain event (`community.events`) through
`portal.events`. The subscribers (`community.handlers`) keep the search document, cached pages,
notifications and the audit log in step — inside the transaction when they must be exact, after the
commit otherwise. Refusals raise `CommunityError` with a translated message.
"""

from __future__ import annotations

from .base import (
    DUPLICATE_WINDOW,
    RATE_LIMITS,
    REASON_MAX,
    Actor,
    CommunityError,
    DuplicatePost,
    PermissionRefused,
    relaxed_limits,
    throttle,
)
from .base import refuse_duplicate as _refuse_duplicate
from .curation import (
    CLOSE_VOTES_NEEDED,
    FEATURED_MAX,
    PINNED_MAX,
    close_as_duplicate,
    feature_question,
    lock_thread,
    merge_questions,
    move_question,
    pin_question,
    recommend_answer,
    reopen_question,
    unfeature_question,
    unlock_thread,
    unpin_question,
    unrecommend_answer,
    vote_to_close,
)
from .moderation import (
    accept_answer,
    approve_post,
    delete_comment,
    delete_post,
    hide_for_review,
    hide_post,
    restore_post,
    unaccept_answer,
    unhide_post,
)
from .posting import (
    ask_question,
    edit_answer,
    edit_question,
    post_answer,
    post_comment,
    post_support_answer,
    retag_question,
)
from .reactions import follow_question, record_deflection, set_me_too, unfollow_question
from .votes import vote

__all__ = [
    "DUPLICATE_WINDOW", "RATE_LIMITS", "REASON_MAX", "Actor", "CommunityError", "DuplicatePost", "PermissionRefused", "_refuse_duplicate",
    "accept_answer", "approve_post", "ask_question", "delete_comment", "delete_post", "edit_answer", "edit_question",
    "follow_question", "hide_for_review", "hide_post", "post_answer", "post_comment", "post_support_answer", "record_deflection", "restore_post", "set_me_too",
    "relaxed_limits", "retag_question", "throttle", "unaccept_answer", "unfollow_question", "unhide_post", "vote",
    # curation (moderators)
    "CLOSE_VOTES_NEEDED", "FEATURED_MAX", "PINNED_MAX", "close_as_duplicate", "feature_question", "lock_thread", "merge_questions", "vote_to_close",
    "move_question", "pin_question", "recommend_answer", "reopen_question", "unfeature_question", "unlock_thread",
    "unpin_question", "unrecommend_answer",
]
