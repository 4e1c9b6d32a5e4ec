"""`manage.py bench` (`make bench`): serve the portal with gunicorn and load its pages with wrk.

Each page is measured the same way as a trivial Django view (the yardstick: same middleware, no
template, no database) in the same run, and reported as a share of the yardstick's requests per
second. The SQL queries a page costs an anonymous visitor are counted in-process: "cold" is a
whole-page-cache miss (the page is rendered), "warm" a hit. The "queue" page is the Wagtail admin's review
queue for a signed-in moderator (`seed_review_queue` gives it 10,000 open items); "cases" is the support
agents' case queue (`/admin/cases/`) for the signed-in demo agent (`seed_cases` gives it 10,000 cases) and
"case" the customer's case page (`/support/cases/<id>/`) for the signed-in customer with the most cases,
rotating over their cases (a wrk Lua script requests each in turn).

Run it through scripts/bench.sh, which prepares the database and the static files first.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection

from community.models import Question
from devtools.generated import generated_questions
from knowledge.models import ArticlePage, TopicPage
from portal.models import HomePage

TRIVIAL_PATH = "/bench/trivial/"
PAGE_KINDS = (
    "trivial", "home", "topic", "article", "article-ja", "question", "question-member", "questions", "search", "suggest",
    "queue", "cases", "case", "leaderboard", "profile", "search-cold", "insights", "insights-cold",
)
SEARCH_PATH = "/search/?q=hub+offline"  # a common two-word query
SUGGEST_PATH = "/search/suggest/?q=reset+pass"
# The "search-cold" row: distinct queries a reader types, requested in turn with the result cache off — one and
# several words, common and rare terms, typos, compounds, a phrase and Japanese.
SEARCH_COLD_QUERIES = (
    "offline", "firmware", "password", "refund", "notifications", "camera", "thermostat", "battery", "router",
    "hub offline", "reset password", "camera not responding", "charged twice", "order in transit",
    "move to another room", "smart plug restarts", "notifications arrive late", "add a second motion sensor",
    "who can see the history", "wifi signal too weak", "customs duties", "error codes", "two factor authentication",
    "delete account", "invoices", "blinking orange light", "factory reset", "microwave", "band steering",
    "pasword", "thermostst", "notifcations", "firmwear update", "cammera offline", '"keeps going offline"',
    "e-mail", "log in", "setup", "オフライン", "パスワード", "返金", "通知が遅れて", "サインアウト", "送料",
)
LEADERBOARD_PATH = "/community/leaderboard/"
# The share of the trivial view's req/s each page must reach (the issues' targets).
TARGETS = {
    "topic": 0.25, "article": 0.25, "article-ja": 0.25,
    "question": 0.25,  # anonymous question page with 50 answers
    "question-member": 0.05,  # the same page for a signed-in member (never from the page cache)
    "questions": 0.10,  # the question list, anonymous
    "search": 0.03,  # the search page for a common two-word query (database backend), p99 < 150 ms
    "search-cold": 0.03,  # SEARCH_COLD_QUERIES in turn with the result cache off, p99 < 150 ms (issue 14)
    "suggest": 0.10,  # the autocomplete endpoint
    "leaderboard": 0.10,  # /community/leaderboard/, every period × measure × topic in turn, anonymous
    "profile": 0.10,  # the 50 profiles with most reputation in turn, anonymous
    "insights": 0.05,  # the Insights dashboard over 90 days for a signed-in support supervisor, p99 < 300 ms
    "insights-cold": 0.05,  # the same target with the report cache off, over INSIGHTS_COLD_FILTERS in turn
}
P99_TARGETS_MS = {"search-cold": 150, "insights": 300, "insights-cold": 300}  # and a p99 below this (issues 14, 15)
# The "insights-cold" row: what a lead picks (presets, a custom range, a language, a topic), in turn, with the report
# cache off (PORTAL_INSIGHTS_CACHE_SECONDS=0): every request computes every figure and card. "{topic}" is a topic's id.
INSIGHTS_COLD_FILTERS = (
    "range=90", "range=30", "range=7", "range=90&language=en", "range=90&language=ja", "range=30&language=ja",
    "range=90&topic={topic}", "range=30&topic={topic}&language=en", "range=custom&start={start}&end={end}",
    "range=7&language=en",
)
TARGET_SHARE = 0.25  # the foundation pages' target, kept for reports and JSON
BENCH_MEMBER = "bench-member"
BENCH_MODERATOR = "bench-moderator"
BENCH_SUPERVISOR = "bench-supervisor"
INSIGHTS_PATH = "/admin/insights/?range=90"
MEMBER_KINDS = ("question-member",)
# A row's environment variable -> the setting it sets (its queries are counted in-process with the same setting).
UNCACHED_SETTINGS = {"PORTAL_SEARCH_CACHE_SECONDS": "SEARCH_RESULT_CACHE_SECONDS",
                     "PORTAL_INSIGHTS_CACHE_SECONDS": "INSIGHTS_CACHE_SECONDS"}
QUEUE_PATH = "/admin/moderation/queue/"  # the review queue, signed in as a moderator (seed_review_queue fills it)
CASES_URL_NAME = "cases_workspace:index"  # the agents' case queue, /admin/cases/ (seed_cases fills it)
CASE_URL_NAME = "support_case"  # the customer's case page, /support/cases/<id>/
DEMO_AGENT = "agent"  # load_demo's support agent (TOTP set up)
MAX_ROTATED = 50  # distinct case pages the "case" row requests in turn
BENCHMARK_QUESTION = "Benchmark: hub keeps dropping off Wi-Fi (50 answers)"  # made by manage.py seed_bulk
NO_DEMO = "run scripts/serve.sh or manage.py load_demo first"
HOST = "127.0.0.1"

_TIME_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_RPS_RE = re.compile(r"^\s*Requests/sec:\s*([\d.]+)\s*$", re.MULTILINE)
_PERCENTILE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)%\s+([\d.]+)\s*(us|ms|s|m|h)\s*$", re.MULTILINE)
_REQUESTS_RE = re.compile(r"^\s*(\d+) requests in ([\d.]+)(us|ms|s|m|h)", re.MULTILINE)
_SOCKET_ERRORS_RE = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", re.MULTILINE)
_NON_2XX_RE = re.compile(r"Non-2xx or 3xx responses:\s*(\d+)", re.MULTILINE)


def to_ms(value: float | str, unit: str) -> float:
    """A wrk duration (value and unit: us, ms, s, m or h) in milliseconds."""
    try:
        return float(value) * _TIME_UNITS_MS[unit]
    except KeyError:
        raise ValueError(f"unknown time unit {unit!r}") from None


def parse_wrk_output(text: str) -> dict:
    """The numbers of one `wrk --latency` run.

    Returns requests_per_sec, p50_ms, p99_ms (None when wrk printed no latency distribution),
    requests, socket_errors (connect + read + write + timeout) and non_2xx_3xx. Raises ValueError
    when the output has no "Requests/sec:" line (wrk failed).
    """
    rps = _RPS_RE.search(text)
    if rps is None:
        raise ValueError("no 'Requests/sec:' line in wrk's output")
    percentiles: dict[float, float] = {}
    distribution = text.split("Latency Distribution", 1)
    if len(distribution) == 2:
        for match in _PERCENTILE_RE.finditer(distribution[1]):
            percentiles[float(match.group(1))] = to_ms(match.group(2), match.group(3))
    requests = _REQUESTS_RE.search(text)
    socket_errors = _SOCKET_ERRORS_RE.search(text)
    non_2xx = _NON_2XX_RE.search(text)
    return {
        "requests_per_sec": float(rps.group(1)),
        "p50_ms": percentiles.get(50.0),
        "p99_ms": percentiles.get(99.0),
        "requests": int(requests.group(1)) if requests else None,
        "socket_errors": sum(int(n) for n in socket_errors.groups()) if socket_errors else 0,
        "non_2xx_3xx": int(non_2xx.group(1)) if non_2xx else 0,
    }


@dataclass
class PageResult:
    kind: str
    url: str
    title: str = ""
    queries_cold: int | None = None
    queries_warm: int | None = None
    cache_cold: str = "-"
    cache_warm: str = "-"
    requests_per_sec: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    requests: int | None = None
    socket_errors: int = 0
    non_2xx_3xx: int = 0
    share_of_trivial: float | None = None
    cookie: str = ""  # the signed-in member's session cookie (member pages)
    paths: list[str] = field(default_factory=list)  # more than one: wrk requests them in turn (a Lua script)
    env: dict[str, str] = field(default_factory=dict)  # served by a gunicorn of its own with these variables
    target_met: bool | None = None
    notes: list[str] = field(default_factory=list)


class Command(BaseCommand):
    help = (
        "Serve the portal with gunicorn on 127.0.0.1 and load pages with wrk after a warm-up; compare each "
        "with a trivial Django view and count its SQL queries. Needs the demo data and wrk."
    )

    def add_arguments(self, parser):
        parser.add_argument("--duration", type=int, default=15, help="seconds of each measured wrk run (15)")
        parser.add_argument("--warmup", type=int, default=5, help="seconds of the warm-up run before each (5)")
        parser.add_argument("--connections", type=int, default=8, help="wrk connections (8)")
        parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2)")
        parser.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (8765)")
        parser.add_argument(
            "--pages",
            default=",".join(PAGE_KINDS),
            help=(
                "comma-separated pages: any of " + ", ".join(PAGE_KINDS) + " or URL paths starting with '/'. "
                "The trivial view is always measured."
            ),
        )
        parser.add_argument("--json", dest="json_path", help="also write the results to this JSON file")
        parser.add_argument(
            "--check", action="store_true", help="exit with an error when a topic or article page misses the target"
        )

    def handle(self, **options):
        wrk = shutil.which("wrk")
        if wrk is None:
            raise CommandError("wrk is not installed: apt-get install wrk (scripts/bench.sh does it for you)")
        if options["threads"] < 1 or options["connections"] < options["threads"]:
            raise CommandError("wrk needs at least one thread and at least as many connections as threads")
        if options["duration"] < 1 or options["warmup"] < 0 or options["workers"] < 1:
            raise CommandError("--duration and --workers must be at least 1, --warmup at least 0")

        pages = self.discover_pages(options["pages"])
        self.count_queries(pages, options["port"])
        base_url = f"http://{HOST}:{options['port']}"
        # Pages that need other settings (e.g. the result cache off) get a gunicorn of their own, in turn.
        groups: dict[tuple, list[PageResult]] = {}
        for page in pages:
            groups.setdefault(tuple(sorted(page.env.items())), []).append(page)
        for env, group in groups.items():
            server = self.start_gunicorn(options["workers"], options["port"], dict(env))
            try:
                for page in group:
                    self.measure(page, wrk, base_url, options)
            finally:
                self.stop_gunicorn(server)

        trivial_rps = pages[0].requests_per_sec
        for page in pages:
            if trivial_rps and page.requests_per_sec is not None:
                page.share_of_trivial = page.requests_per_sec / trivial_rps
                if page.kind in TARGETS:
                    page.target_met = page.share_of_trivial >= TARGETS[page.kind]
                if page.kind in P99_TARGETS_MS and page.p99_ms is not None and page.p99_ms >= P99_TARGETS_MS[page.kind]:
                    page.target_met = False
                    page.notes.append(f"p99 {page.p99_ms:.0f} ms ≥ {P99_TARGETS_MS[page.kind]} ms")
            if page.socket_errors:
                page.notes.append(f"{page.socket_errors} socket errors")
            if page.non_2xx_3xx:
                page.notes.append(f"{page.non_2xx_3xx} non-2xx/3xx responses")
        self.report(pages, options)
        if options["json_path"]:
            self.write_json(pages, options)
        missed = [page for page in pages if page.target_met is False]
        if options["check"] and missed:
            raise CommandError("below target: " + ", ".join(page.kind for page in missed))

    def measure(self, page: PageResult, wrk: str, base_url: str, options) -> None:
        self.stdout.write(f"  {page.kind}: {page.url} ...", ending="")
        self.stdout.flush()
        script = self.rotation_script(page)
        if options["warmup"]:
            self.run_wrk(wrk, base_url + page.url, options["warmup"], options, page.cookie, script)
        if page.kind != "trivial" and not page.cookie and not page.env:
            served = self.header(options["port"], page.url, "X-Page-Cache")
            if served != "hit":
                page.notes.append(f"gunicorn answered X-Page-Cache: {served or 'absent'} after the warm-up")
        numbers = self.run_wrk(wrk, base_url + page.url, options["duration"], options, page.cookie, script)
        for name, value in numbers.items():
            setattr(page, name, value)
        self.stdout.write(f" {page.requests_per_sec:.0f} req/s")

    # --- Pages -----------------------------------------------------------------------------------

    def discover_pages(self, spec: str) -> list[PageResult]:
        wanted = [item.strip() for item in spec.split(",") if item.strip()]
        unknown = [item for item in wanted if item not in PAGE_KINDS and not item.startswith("/")]
        if unknown:
            raise CommandError(f"unknown page(s) {', '.join(unknown)}: use {', '.join(PAGE_KINDS)} or URL paths")
        if "trivial" in wanted:
            wanted.remove("trivial")
        wanted.insert(0, "trivial")

        queries = {
            "home": lambda: HomePage.objects.live().filter(locale__language_code="en").order_by("path").first(),
            "topic": lambda: TopicPage.objects.live().filter(locale__language_code="en").order_by("path").first(),
            "article": lambda: ArticlePage.objects.live().filter(locale__language_code="en").order_by("path").first(),
            "article-ja": lambda: (
                ArticlePage.objects.live().filter(locale__language_code="ja").order_by("path").first()
            ),
        }
        pages = []
        for item in dict.fromkeys(wanted):  # keeps the order, drops repeats
            if item == "trivial":
                pages.append(PageResult("trivial", TRIVIAL_PATH, "trivial Django view"))
            elif item.startswith("/"):
                pages.append(PageResult("url", item))
            elif item == "questions":
                pages.append(PageResult(item, "/community/", "question list"))
            elif item == "search":
                pages.append(PageResult(item, SEARCH_PATH, "search page, two-word query"))
            elif item == "suggest":
                pages.append(PageResult(item, SUGGEST_PATH, "autocomplete"))
            elif item == "search-cold":
                paths = ["/search/?" + urlencode({"q": text}) for text in SEARCH_COLD_QUERIES]
                pages.append(PageResult(
                    item, paths[0], f"search page, {len(paths)} different queries in turn, result cache off",
                    paths=paths, env={"PORTAL_SEARCH_CACHE_SECONDS": "0"},
                ))
            elif item == "leaderboard":
                pages.append(self.leaderboard_page())
            elif item == "profile":
                pages.append(self.profile_page())
            elif item == "queue":
                pages.append(self.queue_page())
            elif item == "cases":
                pages.append(self.cases_page())
            elif item == "insights":
                pages.append(self.insights_page())
            elif item == "insights-cold":
                pages.append(self.insights_cold_page())
            elif item == "case":
                pages.append(self.case_page())
            elif item in ("question", "question-member"):
                question = self.benchmark_question()
                page = PageResult(item, question.get_absolute_url(), f"{question.title} ({question.answer_count} answers)")
                if item in MEMBER_KINDS:
                    page.cookie = self.member_cookie()
                pages.append(page)
            else:
                try:
                    page = queries[item]()
                except DatabaseError as error:
                    raise CommandError(f"cannot read the pages ({error}): {NO_DEMO}") from error
                if page is None:
                    raise CommandError(f"no live {item} page found, the demo data is absent: {NO_DEMO}")
                url_parts = page.specific.get_url_parts()
                if url_parts is None:
                    raise CommandError(f"{item} page {page.title!r} is not routable (no site): {NO_DEMO}")
                pages.append(PageResult(item, url_parts[2], page.title))
        return pages

    def benchmark_question(self):
        """The generated question with 50 answers (seed_bulk), else the demo question with most answers."""
        try:
            question = (
                Question.objects.alive().filter(title=BENCHMARK_QUESTION).order_by("pk").first()
                or Question.objects.alive().filter(pk__in=generated_questions().values("pk"), answer_count=50).order_by("pk").first()
                or Question.objects.alive().order_by("-answer_count", "pk").first()
            )
        except DatabaseError as error:
            raise CommandError(f"cannot read the questions ({error}): {NO_DEMO}") from error
        if question is None:
            raise CommandError(f"no community question found: {NO_DEMO}")
        if question.answer_count < 50:
            self.stdout.write(self.style.WARNING(
                f"The question page has {question.answer_count} answers, not 50: run manage.py seed_bulk first "
                "(scripts/bench.sh does)"
            ))
        return question

    def leaderboard_page(self) -> PageResult:
        """Every board in turn: 3 periods × 3 measures, overall and in each topic (anonymous)."""
        from knowledge.models import TopicPage

        slugs = [""] + sorted(set(TopicPage.objects.filter(locale__language_code="en").values_list("slug", flat=True)))
        paths = [
            LEADERBOARD_PATH + "?" + "&".join(filter(None, [f"period={period}", f"by={by}", f"topic={slug}" if slug else ""]))
            for slug in slugs for period in ("week", "month", "all") for by in ("reputation", "accepted", "helpful")
        ]
        return PageResult("leaderboard", paths[0], f"leaderboards, anonymous ({len(paths)} boards in turn)", paths=paths)

    def profile_page(self) -> PageResult:
        """The profiles of the MAX_ROTATED members with most reputation, in turn (anonymous)."""
        from django.urls import reverse

        from portal.models import Profile

        try:
            top = list(Profile.objects.select_related("user").order_by("-reputation", "user_id")[:MAX_ROTATED])
        except DatabaseError as error:
            raise CommandError(f"cannot read the profiles ({error}): {NO_DEMO}") from error
        if not top:
            raise CommandError(f"no member profile found: {NO_DEMO}")
        paths = [reverse("member_profile", args=[profile.user.get_username()]) for profile in top]
        title = f"member profiles, anonymous ({len(paths)} in turn, reputation {top[-1].reputation:,}–{top[0].reputation:,})"
        return PageResult("profile", paths[0], title, paths=paths)

    def member_cookie(self) -> str:
        """A signed-in, verified member's session for the member pages (wrk sends it as a Cookie header)."""
        from allauth.account.models import EmailAddress
        from django.contrib.auth import get_user_model
        from django.test import Client

        from portal.services import get_profile

        user, _created = get_user_model().objects.get_or_create(
            username=BENCH_MEMBER, defaults={"email": f"{BENCH_MEMBER}@example.com"}
        )
        EmailAddress.objects.get_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
        get_profile(user)
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"

    def queue_page(self) -> PageResult:
        """The review queue's first page for a signed-in moderator, with however many open items there are."""
        from moderation.models import ReviewItem

        try:
            open_items = ReviewItem.objects.filter(state=ReviewItem.State.OPEN).count()
        except DatabaseError as error:
            raise CommandError(f"cannot read the review queue ({error}): run manage.py migrate") from error
        if open_items < 10_000:
            self.stdout.write(self.style.WARNING(
                f"The review queue has {open_items:,} open items, not 10,000: run manage.py seed_review_queue first "
                "(scripts/bench.sh does)"
            ))
        page = PageResult("queue", QUEUE_PATH, f"review queue (moderator, {open_items:,} open items)")
        page.cookie = self.moderator_cookie()
        return page

    def cases_page(self) -> PageResult:
        """The agents' case queue (default view) for the signed-in demo agent, with however many cases there are."""
        from django.contrib.auth import get_user_model
        from django.urls import NoReverseMatch, reverse

        from moderation.cases.models import Case

        try:
            url = reverse(CASES_URL_NAME)
        except NoReverseMatch as error:
            raise CommandError(f"no URL named {CASES_URL_NAME!r}: the agent workspace is not installed") from error
        agent = get_user_model().objects.filter(username=DEMO_AGENT).first()
        if agent is None:
            raise CommandError(f"no demo agent {DEMO_AGENT!r}: {NO_DEMO}")
        try:
            total = Case.objects.count()
            mine = Case.objects.filter(assignee=agent).exclude(status="closed").count()
        except DatabaseError as error:
            raise CommandError(f"cannot read the cases ({error}): run manage.py migrate") from error
        if total < 10_000:
            self.stdout.write(self.style.WARNING(
                f"There are {total:,} support cases, not 10,000: run manage.py seed_cases first (scripts/bench.sh does)"
            ))
        page = PageResult("cases", url, f"agent case queue (demo agent, {total:,} cases, {mine:,} theirs)")
        page.cookie = self.session_cookie(agent)
        return page

    def case_page(self) -> PageResult:
        """The customer's case page, for the customer with the most generated cases (else the most cases),
        rotating over up to MAX_ROTATED of their cases."""
        from django.db.models import Count
        from django.urls import NoReverseMatch, reverse
        from django.utils import translation

        from devtools.management.commands.seed_cases import generated_cases
        from moderation.cases.models import Case

        try:
            top = (
                generated_cases().values("customer").annotate(n=Count("pk")).order_by("-n", "customer").first()
                or Case.objects.values("customer").annotate(n=Count("pk")).order_by("-n", "customer").first()
            )
        except DatabaseError as error:
            raise CommandError(f"cannot read the cases ({error}): run manage.py migrate") from error
        if top is None:
            raise CommandError("no support case found: run manage.py seed_cases first (scripts/bench.sh does)")
        cases = list(Case.objects.filter(customer=top["customer"]).order_by("-created_at", "pk")
                     .values_list("pk", flat=True)[:MAX_ROTATED])
        try:
            with translation.override("en"):
                paths = [reverse(CASE_URL_NAME, args=[pk]) for pk in cases]
        except NoReverseMatch as error:
            raise CommandError(f"no URL named {CASE_URL_NAME!r}: the customer case pages are not installed") from error
        customer = Case.objects.select_related("customer").filter(pk=cases[0]).first().customer
        title = f"customer case page ({customer.get_username()}, {len(paths)} case{'s' if len(paths) != 1 else ''} in turn)"
        page = PageResult("case", paths[0], title, paths=paths)
        page.cookie = self.session_cookie(customer)
        return page

    def session_cookie(self, user) -> str:
        """`user`'s session cookie (for the signed-in rows: wrk sends it as a Cookie header)."""
        from django.test import Client

        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"

    def rotation_script(self, page: PageResult) -> str:
        """A wrk Lua script requesting the page's paths in turn ("" for a page with one path)."""
        if len(page.paths) < 2:
            return ""
        quoted = ", ".join(json.dumps(path) for path in page.paths)
        path = Path(settings.VAR_DIR) / f"bench-rotate-{page.kind}.lua"
        path.write_text(
            f"local paths = {{{quoted}}}\n"
            "local n = 0\n"
            "request = function()\n"
            "  n = n % #paths + 1\n"
            "  return wrk.format(nil, paths[n])\n"
            "end\n",
            encoding="utf-8",
        )
        return str(path)

    def insights_page(self) -> PageResult:
        """The Insights dashboard over 90 days for a signed-in support supervisor (every section)."""
        from portal.insights.models import PageView
        from portal.roles import SUPPORT_SUPERVISORS

        try:
            views = PageView.objects.count()
        except DatabaseError as error:
            raise CommandError(f"cannot read the page views ({error}): run manage.py migrate") from error
        if views < 1_000_000:
            self.stdout.write(self.style.WARNING(
                f"There are {views:,} page views, not 1,000,000: run manage.py seed_bulk --page-views 1000000 first"
            ))
        page = PageResult("insights", INSIGHTS_PATH, f"Insights, 90 days (support supervisor, {views:,} page views)")
        page.cookie = self.staff_cookie(BENCH_SUPERVISOR, SUPPORT_SUPERVISORS)
        return page

    def insights_cold_page(self) -> PageResult:
        """The Insights dashboard with the report cache off, over INSIGHTS_COLD_FILTERS in turn."""
        from portal.insights import filters, rollups

        page = self.insights_page()
        topics = filters.topic_choices()
        today = rollups.today()
        values = {"topic": topics[0]["pk"] if topics else "", "start": (today - timedelta(days=59)).isoformat(),
                  "end": (today - timedelta(days=5)).isoformat()}
        paths = ["/admin/insights/?" + item.format(**values) for item in INSIGHTS_COLD_FILTERS]
        return PageResult(
            "insights-cold", paths[0], f"Insights, {len(paths)} filters in turn, report cache off (support supervisor)",
            cookie=page.cookie, paths=paths, env={"PORTAL_INSIGHTS_CACHE_SECONDS": "0"},
        )

    def moderator_cookie(self) -> str:
        """A moderator's session (Moderators group, verified address, TOTP set up as staff must have it)."""
        from portal.roles import MODERATORS

        return self.staff_cookie(BENCH_MODERATOR, MODERATORS)

    def staff_cookie(self, username: str, group: str) -> str:
        """A staff member's session (`group`, verified address, TOTP set up as staff must have it)."""
        from allauth.account.models import EmailAddress
        from allauth.mfa.models import Authenticator
        from allauth.mfa.totp.internal.auth import TOTP
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group
        from django.test import Client

        from portal.services import get_profile

        user, _created = get_user_model().objects.get_or_create(username=username, defaults={"email": f"{username}@example.com"})
        user.groups.add(Group.objects.get(name=group))
        EmailAddress.objects.get_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, "JBSWY3DPEHPK3PXP")  # a fixed, well-known secret: a local benchmark account only
        get_profile(user)
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"

    def count_queries(self, pages: list[PageResult], port: int) -> None:
        """SQL queries of an anonymous visitor (no cookies, like wrk): a page-cache miss, then a hit."""
        from django.core.cache import cache
        from django.test import Client
        from django.test.utils import CaptureQueriesContext, override_settings


        try:
            from knowledge import services

            # Article views are counted in the cache and moved to the database at most once a minute;
            # that amortised flush is not part of a page's cost, so mark it as just done.
            cache.add(services.VIEW_FLUSH_DUE, 1, timeout=services.VIEW_FLUSH_INTERVAL)
        except (ImportError, AttributeError):
            pass

        def get(url, cookie=""):
            client = Client(HTTP_HOST=f"{HOST}:{port}")  # a fresh client each time: no cookies
            if cookie:
                name, _, value = cookie.partition("=")
                client.cookies[name] = value
            with CaptureQueriesContext(connection) as captured:
                try:
                    response = client.get(url)
                except ValueError as error:
                    if "manifest" not in str(error):
                        raise
                    raise CommandError(f"{error}: run manage.py collectstatic first (scripts/bench.sh does)") from error
            return response, len(captured.captured_queries)

        with override_settings(ROOT_URLCONF="devtools.bench_urls"):
            for page in pages:
                uncached = override_settings(**{
                    setting: 0 for variable, setting in UNCACHED_SETTINGS.items() if page.env.get(variable) == "0"
                }) if page.env else nullcontext()
                with uncached:
                    self.count_page(page, get)

    def count_page(self, page: PageResult, get) -> None:
        from portal import page_cache

        if page.env:  # a rotating row measured apart: every one of its paths must answer 200
            for path in page.paths:
                response, _ = get(path, page.cookie)
                if response.status_code != 200:
                    raise CommandError(f"{path} answered {response.status_code}, not 200")
        response, _ = get(page.url, page.cookie)  # primes per-process caches (sites, locales, content types)
        if response.status_code != 200:
            raise CommandError(f"{page.url} answered {response.status_code}, not 200: {NO_DEMO}")
        response, page.queries_warm = get(page.url, page.cookie)
        page.cache_warm = response.get("X-Page-Cache", "-")
        page_cache.invalidate()  # a new generation: the next request renders the page again
        response, page.queries_cold = get(page.url, page.cookie)
        page.cache_cold = response.get("X-Page-Cache", "-")
        get(page.url, page.cookie)  # and leave it cached

    # --- gunicorn and wrk --------------------------------------------------------------------------

    def gunicorn_path(self) -> str:
        for candidate in (
            Path(sys.executable).parent / "gunicorn",
            Path(settings.BASE_DIR) / ".venv" / "bin" / "gunicorn",
        ):
            if candidate.exists():
                return str(candidate)
        found = shutil.which("gunicorn")
        if found is None:
            raise CommandError("gunicorn not found: run scripts/bootstrap.sh")
        return found

    def start_gunicorn(self, workers: int, port: int, extra_env: dict[str, str] | None = None) -> subprocess.Popen:
        if self.status(port, "/") is not None:
            raise CommandError(f"something already answers on {HOST}:{port}: stop it or pass --port")
        log_path = Path(settings.VAR_DIR) / "bench-gunicorn.log"
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.bench", **(extra_env or {})}
        command = [
            self.gunicorn_path(),
            "portal.wsgi:application",
            "-w",
            str(workers),
            "-k",
            "sync",
            "-b",
            f"{HOST}:{port}",
            "--log-level",
            "warning",
        ]
        extra = "".join(f" {name}={value}" for name, value in (extra_env or {}).items())
        self.stdout.write(f"Starting gunicorn ({workers} sync workers{extra}) on {HOST}:{port}; its log: {log_path}")
        with open(log_path, "w") as log:
            server = subprocess.Popen(  # noqa: S603 - our own fixed arguments
                command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 60
        try:
            while self.status(port, TRIVIAL_PATH) != 200:
                if server.poll() is not None:
                    raise CommandError(f"gunicorn exited with status {server.returncode}:\n{self.tail(log_path)}")
                if time.monotonic() > deadline:
                    raise CommandError(f"gunicorn did not answer within 60 s:\n{self.tail(log_path)}")
                time.sleep(0.2)
        except BaseException:
            self.stop_gunicorn(server)
            raise
        return server

    def stop_gunicorn(self, server: subprocess.Popen) -> None:
        if server.poll() is not None:
            return
        server.send_signal(signal.SIGTERM)  # graceful: the master stops its workers
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=5)

    @staticmethod
    def status(port: int, path: str) -> int | None:
        """The HTTP status of GET path on HOST:port, None when nothing answers."""
        conn = http.client.HTTPConnection(HOST, port, timeout=2)
        try:
            conn.request("GET", path)
            return conn.getresponse().status
        except (OSError, http.client.HTTPException):
            return None
        finally:
            conn.close()

    @staticmethod
    def header(port: int, path: str, name: str) -> str | None:
        """One response header of GET path on HOST:port (anonymous: no cookies, like wrk)."""
        conn = http.client.HTTPConnection(HOST, port, timeout=10)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            return response.getheader(name)
        except (OSError, http.client.HTTPException):
            return None
        finally:
            conn.close()

    @staticmethod
    def tail(path: Path, lines: int = 30) -> str:
        try:
            return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def run_wrk(self, wrk: str, url: str, seconds: int, options, cookie: str = "", script: str = "") -> dict:
        command = [
            wrk,
            *(["-H", f"Cookie: {cookie}"] if cookie else []),
            *(["-s", script] if script else []),
            f"-t{options['threads']}",
            f"-c{options['connections']}",
            f"-d{seconds}s",
            "--latency",
            url,
        ]
        try:
            done = subprocess.run(  # noqa: S603 - our own fixed arguments
                command, capture_output=True, text=True, timeout=seconds + 60, check=False
            )
        except subprocess.TimeoutExpired as error:
            raise CommandError(f"wrk did not finish: {' '.join(command)}") from error
        try:
            return parse_wrk_output(done.stdout)
        except ValueError as error:
            raise CommandError(
                f"wrk failed (status {done.returncode}) on {url}: {error}\n{done.stdout}{done.stderr}"
            ) from error

    # --- Report ------------------------------------------------------------------------------------

    def report(self, pages: list[PageResult], options) -> None:
        def number(value, digits):
            return "-" if value is None else f"{value:,.{digits}f}"

        rows = [("page", "URL", "req/s", "p50 ms", "p99 ms", "queries cold/warm", "cache", "% of trivial", "target")]
        for page in pages:
            target = {True: "ok", False: "MISSED", None: "-"}[page.target_met]
            rows.append(
                (
                    page.kind,
                    page.url,
                    number(page.requests_per_sec, 1),
                    number(page.p50_ms, 2),
                    number(page.p99_ms, 2),
                    f"{page.queries_cold}/{page.queries_warm}",
                    f"{page.cache_cold}/{page.cache_warm}",
                    "-" if page.share_of_trivial is None else f"{page.share_of_trivial:.0%}",
                    target,
                )
            )
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        right = {2, 3, 4, 5, 7}
        self.stdout.write("")
        self.stdout.write(
            f"gunicorn {options['workers']} sync workers, wrk -t{options['threads']} -c{options['connections']} "
            f"-d{options['duration']}s --latency after a {options['warmup']} s warm-up; {os.cpu_count()} CPUs; "
            f"database {connection.vendor}; cache {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}"
        )
        for index, row in enumerate(rows):
            cells = [cell.rjust(widths[i]) if i in right else cell.ljust(widths[i]) for i, cell in enumerate(row)]
            self.stdout.write("  ".join(cells).rstrip())
            if index == 0:
                self.stdout.write("  ".join("-" * width for width in widths))
        self.stdout.write(
            "(queries: anonymous visitor, page-cache miss/hit — for question-member a signed-in member, served from the "
            "member view cache; for queue a signed-in moderator, for cases the demo agent and for case the customer, never "
            "cached; cache: X-Page-Cache on those requests)"
        )
        for page in pages:
            if page.notes:
                self.stdout.write(self.style.WARNING(f"{page.kind}: {'; '.join(page.notes)}"))
        for page in pages:
            if page.target_met is None:
                continue
            line = f"Target {page.kind} ≥ {TARGETS[page.kind]:.0%} of trivial: {page.share_of_trivial:.0%}"
            if page.target_met:
                self.stdout.write(self.style.SUCCESS(line + " — met"))
            else:
                self.stdout.write(self.style.ERROR(line + " — MISSED"))

    def write_json(self, pages: list[PageResult], options) -> None:
        data = {
            "settings": {
                name: options[name] for name in ("duration", "warmup", "connections", "threads", "workers", "port")
            },
            "cpus": os.cpu_count(),
            "database": connection.vendor,
            "cache": settings.CACHES["default"]["BACKEND"],
            "target_share": TARGET_SHARE,
            "targets": TARGETS,
            "pages": [asdict(page) for page in pages],
        }
        path = Path(options["json_path"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        self.stdout.write(f"Results written to {path}")
