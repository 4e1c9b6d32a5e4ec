"""What the rules read in a post: normalised text, links and the hosts they point to.

Everything here is pure (no database) and fast: each post is normalised once, and every rule reads the
result.

- `nfkc(text)`: Unicode NFKC (full-width "ＦＲＥＥ" → "FREE", half-width katakana → katakana) without
  invisible characters (zero-width spaces and joiners, soft hyphens, BOM) that would split a keyword.
- `fold(text)`: `nfkc` + casefold + whitespace runs collapsed to one space: what keywords are matched on.
- `scan_links(text)`: the links a post contains — Markdown inline links `[text](url)` and reference
  definitions `[ref]: url`, autolinks `<https://…>`, bare `http(s)://` / `ftp://` URLs and `www.` addresses —
  counted once each, and the hosts they point to, plus domain names merely written in the text
  (`spam.example`, `me@spam.example`): the blocked-domain rules read both.
- `normalize_host(host)`: lower case, no trailing dot, no `www.`, IDNA (punycode) form, so "WWW.Spam.Example.",
  "xn--…" and its Unicode spelling compare equal.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u180e\u200b\u200c\u200d\u2060\ufeff"), None)
_SPACES = re.compile(r"\s+")

# A Markdown inline link or image: [text](target "title"); the target may be in <…>.
_MD_LINK = re.compile(r"!?\[(?P<text>[^\]\n]{0,500})\]\(\s*<?(?P<target>[^)\s>]+)>?[^)\n]{0,300}\)")
_MD_REFERENCE = re.compile(r"^ {0,3}\[[^\]\n]{1,200}\]:[ \t]*<?(?P<target>[^\s>]+)>?", re.MULTILINE)
_AUTOLINK = re.compile(r"<(?P<target>[a-z][a-z0-9+.\-]{1,31}:[^\s<>]+)>", re.IGNORECASE)
_BARE_URL = re.compile(r"(?:\b(?:https?|ftp)://|\bwww\.)[^\s<>\"'`\])]+", re.IGNORECASE)
# A domain name written in the text (also in e-mail addresses): labels, then a top-level domain.
_DOMAIN = re.compile(
    r"(?<![\w.\-])(?:[a-z0-9](?:[a-z0-9\-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9\-]{1,59})(?![\w\-])",
    re.IGNORECASE,
)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.\-]*:", re.IGNORECASE)


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(_INVISIBLE)


def fold(text: str) -> str:
    """The form keywords are compared in: NFKC, casefolded, one space for any run of white space."""
    return _SPACES.sub(" ", nfkc(text).casefold()).strip()


def normalize_host(host: str) -> str:
    """ "WWW.Spam.Example." → "spam.example"; Unicode names → their punycode (IDNA) form. "" if not a host."""
    host = host.strip().replace("\u3002", ".").replace("\uff0e", ".").rstrip(".").lower()
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return ""
    if host.startswith("www."):
        host = host[4:]
    return host


def host_of(target: str) -> str:
    """The host a link target points to ("" for relative links, mailto: without a domain, garbage)."""
    target = target.strip()
    if target.lower().startswith("mailto:"):
        _, _, domain = target.partition("@")
        return normalize_host(domain.split("?")[0]) if domain else ""
    if target.startswith("//"):
        target = "http:" + target
    elif not _SCHEME.match(target):
        # "www.spam.example/x" or a scheme-less "spam.example/x" (rendered as a relative link, still a lure)
        first = re.split(r"[/?#]", target, maxsplit=1)[0]
        if "." not in first:
            return ""
        target = "http://" + target
    try:
        host = urlsplit(target).hostname or ""
    except ValueError:
        return ""
    return normalize_host(host)


@dataclass(frozen=True)
class Links:
    count: int  # links in the post (what a reader can click, or a bare URL they would copy)
    hosts: frozenset[str]  # hosts of those links
    domains: frozenset[str]  # hosts of the links and domain names merely written in the text


def scan_links(text: str) -> Links:
    """Count the links in `text` (already NFKC) and collect the hosts they point to."""
    targets: list[str] = []

    def take(match: re.Match) -> str:
        targets.append(match.group("target"))
        # the link text stays (a URL written as the text of a link is the same link): blank the target only
        return " " + (match.groupdict().get("text") or "") + " "

    rest = _MD_LINK.sub(take, text)
    rest = _MD_REFERENCE.sub(take, rest)
    rest = _AUTOLINK.sub(take, rest)
    count = len(targets)
    bare = _BARE_URL.findall(rest)
    # a URL used as a Markdown link's text is the same link as its target: count it once
    linked_text = {target.rstrip("/").lower() for target in targets}
    count += sum(1 for url in bare if url.rstrip(".,;:!?/").lower() not in linked_text)
    hosts = {host for host in map(host_of, [*targets, *(url.rstrip(".,;:!?") for url in bare)]) if host}
    written = {normalize_host(name) for name in _DOMAIN.findall(text)}
    return Links(count=count, hosts=frozenset(hosts), domains=frozenset(hosts | written))


def domain_matches(host: str, blocked: frozenset[str]) -> str:
    """The blocked domain `host` is or is a subdomain of ("" if none): "a.b.spam.example" → "spam.example"."""
    labels = host.split(".")
    for i in range(len(labels) - 1):
        candidate = ".".join(labels[i:])
        if candidate in blocked:
            return candidate
    return host if host in blocked else ""


_UPPER = re.compile(r"[A-Z]")
_LOWER = re.compile(r"[a-z]")


def caps_ratio(text: str) -> tuple[int, float]:
    """(Latin letters, share of them in upper case): shouting is a Latin-script signal."""
    upper, lower = len(_UPPER.findall(text)), len(_LOWER.findall(text))
    cased = upper + lower
    return cased, (upper / cased if cased else 0.0)
