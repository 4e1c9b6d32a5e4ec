"""Character rules for text members write, shared by every app (community posts, profiles, usernames).

`CONTROL_CHARS` is the rule for posts (community/validation.py uses it); names are stricter: no invisible
formatting characters at all (zero-width spaces and joiners, bidi marks), and staff-like names are reserved
for staff. Reserved names are matched on a "skeleton": NFKC, casefold, separators and punctuation removed,
and look-alike letters and digits folded together, so "Nimbus Home Support", "ＭＯＤＥＲＡＴＯＲ",
"m o d e r a t o r" and "аdmin" (Cyrillic а) all match. Copying a staff member's own name (a database
question) is refused by the layers that call these rules: `portal.services.staff_name_refusal` and the
sign-up's `AccountAdapter.clean_username`, comparing the same skeletons.
"""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import get_language
from django.utils.translation import gettext as _

# C0/C1 controls except tab and newlines, plus the bidi overrides that can disguise text.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

# Words only staff may use in a display name or username (any language; matched inside the name).
RESERVED_NAMES = (
    "admin", "administrator", "moderator", "staff", "support", "nimbus", "official", "system", "helpcenter",
    "helpdesk", "webmaster", "postmaster", "root", "sysop",
    "管理者", "管理人", "運営", "モデレーター", "モデレータ", "サポート", "スタッフ", "公式", "ヘルプセンター",
    "システム", "事務局",
)  # fmt: skip

# Look-alikes folded into one letter (after NFKC and casefold): Cyrillic and Greek letters that look Latin,
# and digits and symbols used as letters.
_CONFUSABLES = str.maketrans({
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s",
    "ԁ": "d", "к": "k", "м": "m", "т": "t", "н": "h", "в": "b", "һ": "h", "ӏ": "i", "ո": "n",
    "α": "a", "ο": "o", "ρ": "p", "ν": "v", "ι": "i", "κ": "k", "τ": "t", "ε": "e", "υ": "u", "μ": "m",
    "0": "o", "1": "i", "l": "i", "|": "i", "!": "i", "3": "e", "4": "a", "@": "a", "5": "s", "$": "s",
    "7": "t", "8": "b", "9": "g",
})  # fmt: skip


# Letters and symbols that draw nothing (Hangul fillers, the braille blank, the Mongolian vowel separator):
# used to fake an "empty" name or title that the category check alone would let through.
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e")
# The tag characters that end an emoji flag sequence (🏴 + tags + CANCEL TAG): invisible (Cf) but part of
# the emoji, so they are never trimmed from the end of a title.
_EMOJI_TAGS = range(0xE0020, 0xE0080)
# The letters that make a short title natural (a Japanese title says in 5 characters what English says in 20).
CJK_LETTERS = re.compile(
    "[\u3041-\u3096\u30a1-\u30fa\u30fc\u3005\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9d"
    "\uac00-\ud7a3\U00020000-\U0003134f]"
)


def has_control_chars(value: str) -> bool:
    return bool(CONTROL_CHARS.search(value or ""))


def is_invisible(ch: str) -> bool:
    """A character that draws nothing and is not a space: format characters (Unicode category Cf: zero-width
    space and joiners, LRM/RLM, word joiner, BOM, soft hyphen, emoji tags...) and the blank letters."""
    return unicodedata.category(ch) == "Cf" or ch in BLANK_LETTERS


def visible_text(value: str | None) -> str:
    """`value` without its invisible characters and without spaces at either end: what a reader sees. The
    one rule for "is anything written?" and "how long is it?" in posts, comments, case messages and names."""
    return "".join(ch for ch in value or "" if not is_invisible(ch)).strip()


def trim_invisible(value: str | None) -> str:
    """`value` without spaces and invisible characters at either end (a title, a name). Inside the text they
    stay (a ZWJ joins emoji, a ZWNJ shapes Persian), and so do the tag characters ending an emoji flag."""
    text = value or ""
    start, end = 0, len(text)
    while start < end and (text[start].isspace() or is_invisible(text[start])):
        start += 1
    while end > start and (text[end - 1].isspace() or (is_invisible(text[end - 1]) and ord(text[end - 1]) not in _EMOJI_TAGS)):
        end -= 1
    return text[start:end]


def has_cjk_letters(value: str | None) -> bool:
    return bool(CJK_LETTERS.search(value or ""))


def has_invisible_chars(value: str) -> bool:
    """Controls, bidi overrides and every other invisible formatting character (Unicode category Cf:
    zero-width space/joiners, LRM/RLM, word joiner, BOM, soft hyphen...), blank letters, and unassigned,
    private-use and surrogate code points."""
    return has_control_chars(value) or any(
        is_invisible(ch) or unicodedata.category(ch) in ("Cn", "Co", "Cs") for ch in value or ""
    )


def skeleton(value: str) -> str:
    """What a name looks like, for comparing names: NFKC, casefold, look-alikes folded, only letters and digits."""
    folded = unicodedata.normalize("NFKC", value or "").casefold().translate(_CONFUSABLES)
    folded = folded.replace("rn", "m").replace("vv", "w")
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN")


_RESERVED_SKELETONS = tuple(skeleton(name) for name in RESERVED_NAMES)
_SHORT = 5  # "admin", "staff", "root": reserved as a word or at either end ("TheAdmin"), not inside "Badminton"


def is_reserved_name(value: str) -> bool:
    """Does `value` look like a staff or company name ("Nimbus Home Support", "moderator", "管理者")?"""
    name = skeleton(value)
    words = {skeleton(word) for word in re.split(r"[\W_]+", unicodedata.normalize("NFKC", value or ""))}
    for reserved in _RESERVED_SKELETONS:
        if len(reserved) > _SHORT or not reserved.isascii():
            if reserved in name:
                return True
        elif reserved in words or name.startswith(reserved) or name.endswith(reserved):
            return True
    return False


# --- member names and bios (the profile form and service, the sign-up's username) ---------------------------


# What makes a name a link, an address or markup once it is shown in an email's subject or plain text (where
# nothing escapes it): checked after NFKC, so full-width "ｗｗｗ．" and "＜" count too.
_NAME_LINK_OR_MARKUP = re.compile(r"://|www\.|[<>@]", re.IGNORECASE)


def clean_display_name(value: str | None, *, staff: bool = False) -> str:
    """A display name with single spaces; ValueError (a translated message) when it hides characters, carries
    a link, an email address or markup (display names go into email subjects and plain-text emails as they
    are: "Claim your refund at https://..." would be a phishing line signed by the site), or poses as staff
    (staff themselves may use the reserved words)."""
    raw = value or ""
    if has_invisible_chars(raw):
        raise ValueError(_("Display names cannot contain control characters or invisible characters such as zero-width spaces or direction marks."))
    name = " ".join(raw.split())
    if _NAME_LINK_OR_MARKUP.search(unicodedata.normalize("NFKC", name)):
        raise ValueError(_("Display names cannot contain links, email addresses or the characters < > @."))
    if name and not staff and is_reserved_name(name):
        raise ValueError(_("“%(name)s” looks like a name of the Nimbus Home team, which only staff may use. Please choose another name.") % {"name": name})
    return name


def clean_bio(value: str | None) -> str:
    """The posts' rule: no control characters or bidi overrides (tabs and new lines are fine)."""
    bio = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    if has_control_chars(bio):
        raise ValueError(_("Remove control characters from your bio."))
    return bio.strip()


def check_username(value: str | None) -> None:
    """Usernames chosen at sign-up: at least one letter or digit (".." would make the profile address
    /community/users/../, which browsers resolve to /community/), no invisible characters, no staff-like names."""
    if not any(ch.isalnum() for ch in value or ""):
        raise ValueError(_("Usernames must contain at least one letter or digit."))
    if has_invisible_chars(value or ""):
        raise ValueError(_("Usernames cannot contain control characters or invisible characters."))
    if is_reserved_name(value or ""):
        raise ValueError(_("This username is reserved. Please choose another one."))


def latin_lang(text: str) -> str:
    """' lang="en"' for a tag or a code of Latin letters ("camera", "wifi", "e104": community tags are written
    so) on a page in another language, for a screen reader to say it in English; "" otherwise."""
    text = str(text or "")
    if not text.isascii() or not any(char.isalpha() for char in text) or (get_language() or "en").startswith("en"):
        return ""
    return ' lang="en"'
