"""Where a webhook may go: the URL rules (checked when an endpoint is saved) and the address check made
again before every send (DNS may have changed since).

Rules:

- ``http://`` or ``https://`` only; a host is required; no user name or password in the URL (the signature
  authenticates the portal); at most ``URL_MAX`` characters; no spaces or control characters.
- **Never the portal itself** (a webhook to the portal would loop, or reach its admin from inside):
  - any host the portal answers to by name — the host of ``PORTAL_BASE_URL``, every Wagtail Site's
    hostname, and every ``ALLOWED_HOSTS`` entry (``.example.com`` covers its subdomains; ``*`` is
    ignored) — on any port;
  - loopback (``localhost``, 127.0.0.0/8, ``::1``) and unspecified (0.0.0.0, ``::``) addresses are
    *generic*: they are refused only on the ports the portal answers on (the ports of ``PORTAL_BASE_URL``
    and the Site records), so a connector running on the same machine on its own port still works;
  - before sending, the host is resolved and refused if any address is one of the portal's own (its names
    resolved) on one of the portal's ports, or loopback on one of those ports. The request then connects
    to the address that was checked (no second lookup an attacker could change in between).
- Redirects are never followed (a 3xx answer is a failed attempt; its Location is logged).
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

URL_MAX = 500  # WebhookEndpoint.url's max_length
SCHEMES = ("http", "https")
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
_RESOLVE_CACHE_SECONDS = 300
_resolved: dict[str, tuple[float, frozenset[str]]] = {}


class DestinationRefused(Exception):
    """The URL may not be sent to (now): the message says why, for the delivery log."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # lower case, IDNA-encoded, no brackets, no trailing dot
    port: int
    path: str  # path and query string, as sent in the request line


def _clean_host(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _is_generic_local(host: str) -> bool:
    """Loopback or unspecified: a name of "this machine" rather than of the portal."""
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    ip = _ip(host)
    if ip is None:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_loopback or ip.is_unspecified


@dataclass(frozen=True)
class PortalHosts:
    names: frozenset[str]  # exact host names and addresses of the portal (not the generic local ones)
    suffixes: frozenset[str]  # ".example.com" entries of ALLOWED_HOSTS
    ports: frozenset[int]  # the ports the portal answers on


def portal_hosts() -> PortalHosts:
    names: set[str] = set()
    suffixes: set[str] = set()
    ports: set[int] = set()
    base = urlsplit(settings.PORTAL_BASE_URL)
    if base.hostname:
        names.add(_clean_host(base.hostname))
        ports.add(_port(base))
    try:
        from wagtail.models import Site

        for hostname, port in Site.objects.values_list("hostname", "port"):
            names.add(_clean_host(hostname))
            ports.add(int(port))
    except Exception:  # noqa: BLE001, S110 - no database yet (checks, migrations): the settings still apply
        pass
    for entry in getattr(settings, "ALLOWED_HOSTS", []):
        entry = _clean_host(str(entry).rsplit(":", 1)[0] if entry.count(":") == 1 else str(entry))
        if not entry or entry == "*":
            continue
        if entry.startswith("."):
            suffixes.add(entry)
        else:
            names.add(entry)
    names.update(_clean_host(h) for h in getattr(settings, "PORTAL_WEBHOOK_BLOCKED_HOSTS", ()))
    return PortalHosts(frozenset(n for n in names if n and not _is_generic_local(n)), frozenset(suffixes), frozenset(ports))


def _port(parts: SplitResult) -> int:
    return parts.port or (443 if parts.scheme == "https" else 80)


def parse(url: str) -> Target:
    """The URL's parts, or ValidationError with a message that says what to fix (nothing about the portal's
    own hosts: see `check_not_portal`)."""
    url = url or ""
    if len(url) > URL_MAX:
        raise ValidationError(
            _("The address is too long: at most %(max)d characters (it has %(count)d)."),
            code="max_length", params={"max": URL_MAX, "count": len(url)},
        )
    if url != url.strip() or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise ValidationError(_("The address may not contain spaces or control characters."), code="invalid")
    parts = urlsplit(url)
    if parts.scheme.lower() not in SCHEMES:
        raise ValidationError(_("Use an address that starts with https:// (or http://)."), code="scheme")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise ValidationError(
            _("Leave user names and passwords out of the address: the receiver checks the signature instead."),
            code="credentials",
        )
    try:
        port = _port(parts)
    except ValueError:
        raise ValidationError(_("The port number in the address is not valid."), code="port") from None
    host = _clean_host(parts.hostname or "")
    if not host:
        raise ValidationError(_("Enter a full address, such as https://helpdesk.example.com/hooks/portal."), code="host")
    try:
        host = host.encode("idna").decode("ascii") if _ip(host) is None else host
    except UnicodeError:
        raise ValidationError(_("The host name in the address is not valid."), code="host") from None
    if not 0 < port < 65536:
        raise ValidationError(_("The port number in the address is not valid."), code="port")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.scheme.lower(), host, port, path)


PORTAL_ITSELF = _("This address points at the portal itself. Webhooks must go to another server.")


def _named_portal(target: Target, hosts: PortalHosts) -> bool:
    host = target.host
    if host in hosts.names or any(host == s[1:] or host.endswith(s) for s in hosts.suffixes):
        return True
    return _is_generic_local(host) and target.port in hosts.ports


def resolve(host: str, port: int) -> list[str]:
    """The addresses of `host` (raises OSError when it does not resolve)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: list[str] = []
    for info in infos:
        address = info[4][0]
        if address not in seen:
            seen.append(address)
    return seen


def _portal_addresses(hosts: PortalHosts) -> frozenset[str]:
    """The portal's names resolved (cached five minutes; names that do not resolve add nothing)."""
    found: set[str] = set()
    now = time.monotonic()
    for name in hosts.names:
        cached = _resolved.get(name)
        if cached and now - cached[0] < _RESOLVE_CACHE_SECONDS:
            found |= cached[1]
            continue
        try:
            addresses = frozenset(resolve(name, 80)) if _ip(name) is None else frozenset({name})
        except OSError:
            addresses = frozenset()
        _resolved[name] = (now, addresses)
        found |= addresses
    return frozenset(found)


def _address_is_portal(address: str, port: int, hosts: PortalHosts) -> bool:
    if port not in hosts.ports:
        return False
    return _is_generic_local(address) or address in _portal_addresses(hosts)


def validate_url(url: str) -> str:
    """The form and service check: a valid http(s) URL that is not the portal. Returns the URL."""
    target = parse(url)
    hosts = portal_hosts()
    if _named_portal(target, hosts):
        raise ValidationError(PORTAL_ITSELF, code="portal")
    URLValidator(schemes=list(SCHEMES), message=_("Enter a full address, such as https://helpdesk.example.com/hooks/portal."))(url)
    try:
        addresses = resolve(target.host, target.port)
    except OSError:
        addresses = []  # may not resolve from here yet; checked again before every send
    if any(_address_is_portal(address, target.port, hosts) for address in addresses):
        raise ValidationError(PORTAL_ITSELF, code="portal")
    return url


def destination(url: str) -> tuple[Target, list[str]]:
    """Before a send: the target and the addresses to connect to, or DestinationRefused."""
    try:
        target = parse(url)
    except ValidationError as error:
        raise DestinationRefused(" ".join(str(m) for m in error.messages)) from None
    hosts = portal_hosts()
    if _named_portal(target, hosts):
        raise DestinationRefused(str(PORTAL_ITSELF))
    try:
        addresses = resolve(target.host, target.port)
    except OSError as error:
        raise DestinationRefused(f"DNS: {error}") from None
    if not addresses:
        raise DestinationRefused(f"DNS: {target.host}")
    if any(_address_is_portal(address, target.port, hosts) for address in addresses):
        raise DestinationRefused(str(PORTAL_ITSELF))
    return target, addresses
