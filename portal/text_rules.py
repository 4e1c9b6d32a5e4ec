"""Character rules for text members write, shared by every app (community posts, profiles, usernames).

`CONTROL_CHARS` is the rule for posts (community/validation.py uses it); names are stricter: no invisible
formatting characters at all (zero-width spaces and joiners, bidi marks), and staff-like names are reserved
for staff. Reserved names are matched on a "skeleton": NFKC, casefold, separators and punctuation removed,
and look-alike letters and digits folded together, so "Nimbus Home Support", "ＭＯＤＥＲＡＴＯＲ",
"m o d e r a t o r" and "аdmin" (Cyrillic а) all match.
"""

from __future__ import annotations

import re
import unicodedata

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


def has_control_chars(value: str) -> bool:
    return bool(CONTROL_CHARS.search(value or ""))


def has_invisible_chars(value: str) -> bool:
    """Controls, bidi overrides and every other invisible formatting character (Unicode category Cf:
    zero-width space/joiners, LRM/RLM, word joiner, BOM, soft hyphen...), and unassigned code points."""
    return has_control_chars(value) or any(unicodedata.category(ch) in ("Cf", "Cn", "Co", "Cs") for ch in value or "")


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


def clean_display_name(value: str | None, *, staff: bool = False) -> str:
    """A display name with single spaces; ValueError (a translated message) when it hides characters or
    poses as staff (staff themselves may use the reserved words)."""
    raw = value or ""
    if has_invisible_chars(raw):
        raise ValueError(_("Display names cannot contain control characters or invisible characters such as zero-width spaces or direction marks."))
    name = " ".join(raw.split())
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
    """Usernames chosen at sign-up: no invisible characters, no staff-like names."""
    if has_invisible_chars(value or ""):
        raise ValueError(_("Usernames cannot contain control characters or invisible characters."))
    if is_reserved_name(value or ""):
        raise ValueError(_("This username is reserved. Please choose another one."))
