"""The demo's visitors over the last 180 days (the 90 days Insights opens on and the 90 it compares them with):
page views, searches (with the result opened) and ask-form sessions, written as journeys so that the traffic,
top lists, search terms, content gaps and both kinds of deflection have something to show. Each generated
visitor does one thing a customer does:

- browses: the home page, a topic, one or two of its articles;
- searches and opens a result (an article or a question, as the real search ranks them for the words);
- searches, then asks the community or opens the support pages (not deflected);
- searches for something the help center does not cover (a content gap), and sometimes asks;
- reads one or two community questions;
- opens the ask form, opens a suggested article or question, and posts in one session of four.

The searches are run against the real index when the demo is loaded, so result counts, zero-result searches
and the results opened are what the search page would give. Idempotent: nothing is added once the demo's
traffic is there (its ask sessions are marked). Days before today only (today's figures are computed live
from what visitors do)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from django.db import transaction

from community.models import DeflectionEvent
from portal.insights import rollups
from portal.insights.models import PageView
from search.backends.base import SearchQuery
from search.backends.database import DatabaseBackend
from search.models import SearchLog

from .pageviews_seed import _targets

DAYS = 180  # the 90 days Insights opens on and the 90 before them (its comparison)
VISITORS = (70, 35)  # a weekday's visitors, a weekend day's, today (fewer in the past: the site grows)
GROWTH = 0.2  # 180 days ago a day had a fifth fewer visitors (a quarter more now than then)
JAPANESE = 0.3  # the share of visitors who read Japanese
DEMO_ASKS = "demo-"  # the demo's ask sessions (and the mark that the demo's traffic is loaded)
# What the demo's customers type: the help center answers these ...
QUERIES = {
    "en": ["reset password", "refund", "hub offline", "two factor", "track my order", "camera not recording",
           "cancel nimbus plus", "invoice", "firmware update", "thermostat not heating", "wifi requirements",
           "delete account", "customs duties", "pair smart plug", "e-104", "privacy mode", "motion sensor battery",
           "return a product", "change email", "app crashes", "blinking orange light", "locked account"],
    "ja": ["パスワード", "返金", "オフライン", "二段階認証", "配送", "解約", "関税", "ランプ 点滅", "エラーコード",
           "Wi-Fi", "プライバシーモード", "注文 追跡"],
}
# ... and these it does not (the content-gap report's rows).
GAPS = {
    "en": ["homekit", "solar panel", "garage door opener", "extended warranty", "ifttt"],
    "ja": ["太陽光パネル", "ガレージ", "延長保証"],
}
# Each journey's share of the visitors (they sum to 100).
JOURNEYS = (("browse", 26), ("search_found", 26), ("search_then_contact", 8), ("search_gap", 6),
            ("questions", 24), ("ask_form", 7), ("support", 3))


def load_traffic_demo(stdout=None, seed: int = 2026) -> int:
    """Write the journeys of the last `DAYS` days (before today); returns the page views added."""
    today = rollups.today()
    first = today - timedelta(days=DAYS)
    if DeflectionEvent.objects.filter(ask_token__startswith=DEMO_ASKS).exists():  # loaded before
        return 0
    rng = random.Random(seed)  # noqa: S311 - generated demo data, not secrets
    journeys = _Journeys(rng)
    for index in range(DAYS):
        day = first + timedelta(days=index)
        grown = 1 - GROWTH * (DAYS - index) / DAYS
        for _visitor in range(round(VISITORS[day.weekday() >= 5] * grown) + rng.randrange(-8, 9)):
            journeys.visit(day)
    with transaction.atomic():
        PageView.objects.bulk_create(journeys.views, batch_size=1000)
        SearchLog.objects.bulk_create(journeys.searches, batch_size=1000)
        events = DeflectionEvent.objects.bulk_create(journeys.asks, batch_size=1000)
        for event, when in zip(events, journeys.ask_times, strict=True):  # created_at is set on insert ...
            event.created_at = when
        DeflectionEvent.objects.bulk_update(events, ["created_at"], batch_size=500)  # ... and dated here
    if stdout:
        stdout.write(f"Demo traffic: {len(journeys.views):,} page views, {len(journeys.searches):,} searches and "
                     f"{len(journeys.asks):,} opened suggestions over the last {DAYS} days.")
    return len(journeys.views)


class _Journeys:
    def __init__(self, rng: random.Random):
        self.rng = rng
        targets = _targets(rng)
        for items in targets.values():
            rng.shuffle(items)  # which pages are the most read
        self.pages = {kind: {lang: [t for t in items if t[3] == lang] or items for lang in ("en", "ja")}
                      for kind, items in targets.items()}
        self.by_key = {(kind, t[0]): t for kind in ("article", "question") for t in targets[kind] if t[0]}
        self.results: dict[str, tuple[int, list[str]]] = {}
        self.views: list[PageView] = []
        self.searches: list[SearchLog] = []
        self.asks: list[DeflectionEvent] = []
        self.ask_times: list[datetime] = []

    # --- one visitor --------------------------------------------------------------------------------------

    def visit(self, day) -> None:
        rng = self.rng
        self.day, self.visitor = day, f"{rng.getrandbits(64):016x}"
        self.language = "ja" if rng.random() < JAPANESE else "en"
        self.at = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(seconds=rng.randrange(80_000))
        journey = rng.choices([name for name, _w in JOURNEYS], [w for _n, w in JOURNEYS])[0]
        getattr(self, journey)()

    def browse(self) -> None:
        self.view("other", self.home())
        topic = self.pick("topic")
        self.view("topic", topic)
        articles = [t for t in self.pages["article"][self.language] if t[4] == topic[0]] or self.pages["article"][self.language]
        for _n in range(self.rng.choice((1, 1, 2))):
            self.view("article", self.rng.choice(articles))

    def search_found(self) -> None:
        opened = self.search(self.rng.choice(QUERIES[self.language]))
        if opened:
            self.view(*opened)

    def search_then_contact(self) -> None:
        opened = self.search(self.rng.choice(QUERIES[self.language]), click=self.rng.random() < 0.5)
        if opened:
            self.view(*opened)
        self.contact()

    def search_gap(self) -> None:
        self.search(self.rng.choice(GAPS[self.language]), click=False)  # whatever it finds is not it
        if self.rng.random() < 0.5:
            self.contact()

    def questions(self) -> None:
        for _n in range(self.rng.choice((1, 1, 2))):
            self.view("question", self.pick("question"))

    def ask_form(self) -> None:
        self.view("other", self.prefixed("/community/ask/"))
        token = f"{DEMO_ASKS}{self.rng.getrandbits(96):024x}"
        kind = self.rng.choice(("article", "question"))
        target = self.pick(kind)
        asked = self.rng.random() < 0.25
        self.at += timedelta(seconds=self.rng.randrange(20, 120))
        self.asks.append(DeflectionEvent(ask_token=token, kind=kind, object_id=target[0], query=target[1][:120], asked=asked))
        self.ask_times.append(self.at)
        self.view(kind, target)

    def support(self) -> None:
        self.search(self.rng.choice(QUERIES[self.language]), click=False)
        self.view("other", self.prefixed("/support/cases/"))

    # --- steps ----------------------------------------------------------------------------------------------

    def contact(self) -> None:
        self.view("other", self.prefixed("/community/ask/"))

    def search(self, text: str, click: bool = True) -> tuple | None:
        """A search (logged as the search page logs it); the result opened, if any, as (kind, target)."""
        total, keys = self.results_for(text)
        self.view("search", self.prefixed("/search/"))
        opened = None
        if click and keys:
            position = min(int(self.rng.expovariate(1.2)), len(keys) - 1)  # the first results most often
            kind, _sep, object_id = keys[position].partition(":")
            target = self.by_key.get((kind, int(object_id)))
            if target is not None:
                opened = (kind, target)
        self.searches.append(SearchLog(
            token=f"{self.rng.getrandbits(128):032x}", query=text, language=self.language, result_count=total,
            created_at=self.at, clicked_key=f"{opened[0]}:{opened[1][0]}" if opened else "",
            clicked_position=(keys.index(f"{opened[0]}:{opened[1][0]}") + 1) if opened else None,
        ))
        return opened

    def results_for(self, text: str) -> tuple[int, list[str]]:
        found = self.results.get(text)
        if found is None:  # the database's index: current as soon as the demo is (a search engine may lag)
            results = DatabaseBackend().search(SearchQuery(text=text, reader_language=self.language))
            found = self.results[text] = (results.total, [hit.key for hit in results.hits[:5]])
        return found

    def view(self, kind: str, target: tuple) -> None:
        object_id, title, path, language, topic_id = target
        self.at += timedelta(seconds=self.rng.randrange(15, 240))  # journeys start by 22:14 and last < 25 min
        self.views.append(PageView(
            day=self.day, path=path, kind=kind, object_id=object_id if kind in ("article", "question", "topic") else None,
            title=title, language=language or self.language, topic_id=topic_id or 0, visitor=self.visitor,
            created_at=self.at,
        ))

    def pick(self, kind: str) -> tuple:
        """A page of `kind` in the visitor's language, the first ones far more often (a long tail)."""
        items = self.pages[kind][self.language]
        return items[min(int(self.rng.expovariate(0.15)), len(items) - 1)]

    def home(self) -> tuple:
        return self.prefixed("/")

    def prefixed(self, path: str) -> tuple:
        return (None, "", ("/ja" + path) if self.language == "ja" else path, self.language, 0)
