"""Real-browser (Playwright + Debian's Chromium) fixtures and helpers.

Every test in this folder is marked ``browser`` and runs against pytest-django's ``live_server``.
The live server reads the database from another thread, so these tests use a transactional
database with serialized rollback: the rows the migrations create (root page, locales, groups)
are restored after each test for the tests that run later in the session.

Playwright's sync API marks an asyncio loop as running in the main thread for as long as it is
started. While it is, Django (1) refuses ORM calls unless DJANGO_ALLOW_ASYNC_UNSAFE is set and
(2) hands the main thread a *different* database connection wrapper (its connection handler is
a thread-critical asgiref Local, which becomes context-local when a loop runs). If Playwright lived
for the whole session, pytest-django's per-test restore and flush would then run on a wrapper
without the serialized migration data, and every later test would find an empty page tree. So the
browser is started per test, after the database is set up and stopped before it is flushed, and the
environment variable is set only for that time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

BASE_DIR = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_JS = BASE_DIR / "static" / "js" / "vendor" / "axe-4.11.4.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SCREENSHOTS = BASE_DIR / "test-artifacts" / "screenshots"
VIEWPORT = {"width": 1280, "height": 900}

_HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        if _HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)
            if item.get_closest_marker("django_db") is None:
                item.add_marker(pytest.mark.django_db(transaction=True, serialized_rollback=True))


# --- Browser ----------------------------------------------------------------------------------------


@pytest.fixture
def browser(monkeypatch, live_server):
    """Chromium for one test. Function-scoped on purpose: see the module docstring."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"browser tests need Chromium at {CHROMIUM}")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@dataclass
class ConsoleLog:
    """Console errors (Chromium reports CSP violations and failed resource loads there) and uncaught page errors."""

    errors: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            location = message.location or {}
            self.errors.append(
                f"console.error: {message.text} ({location.get('url', '')}:{location.get('lineNumber', '')})"
            )

    @property
    def csp_violations(self) -> list[str]:
        return [e for e in self.errors if "Content Security Policy" in e or "Refused to" in e]

    def assert_clean(self) -> None:
        assert self.errors == [], "browser console errors / CSP violations:\n" + "\n".join(self.errors)


def _new_page(browser: Browser, **context_options):
    context = browser.new_context(viewport=VIEWPORT, locale="en-US", **context_options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    log = ConsoleLog()
    log.attach(page)
    page.console_log = log  # type: ignore[attr-defined]
    return context, page


@pytest.fixture
def browser_page(browser):
    """A fresh page (own context: cookies, storage) per test, 1280×900, JavaScript on.
    ``browser_page.console_log`` collects console errors and CSP violations."""
    context, page = _new_page(browser)
    yield page
    context.close()


@pytest.fixture
def browser_page_no_js(browser):
    """Like ``browser_page`` but with JavaScript disabled."""
    context, page = _new_page(browser, java_script_enabled=False)
    yield page
    context.close()


@pytest.fixture
def console_log(browser_page) -> ConsoleLog:
    return browser_page.console_log


# --- Helpers ----------------------------------------------------------------------------------------


def axe_scan(page: Page) -> list[dict]:
    """Run axe-core (WCAG 2.0/2.1 A+AA, WCAG 2.2 AA) on the page; return serious and critical violations.

    ``page.add_script_tag(path=...)`` cannot be used here: it inserts an *inline* <script>, which the
    site's strict CSP (script-src 'self') rightly blocks (Playwright raises and Chromium logs a CSP
    violation). The vendored file is therefore evaluated through the DevTools protocol, which CSP does
    not govern, so the page's own policy stays in force and no false violation is logged."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate("(source) => { (0, eval)(source); }", _axe_source())
        # Fallback: under a CSP that forbids eval in page scripts, load the same file from /static/.
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.add_script_tag(url="/static/js/vendor/" + AXE_JS.name)
    results = page.evaluate(
        """async (tags) => {
            const results = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return results.violations;
        }""",
        AXE_TAGS,
    )
    return [v for v in results if v.get("impact") in ("serious", "critical")]


_AXE_SOURCE: list[str] = []


def _axe_source() -> str:
    if not _AXE_SOURCE:
        _AXE_SOURCE.append(AXE_JS.read_text(encoding="utf-8"))
    return _AXE_SOURCE[0]


def format_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v.get('helpUrl', '')})")
        for node in v.get("nodes", [])[:5]:
            lines.append(f"    {' '.join(map(str, node.get('target', [])))}: {node.get('failureSummary', '').strip()}")
            lines.append(f"      {node.get('html', '')[:200]}")
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    violations = axe_scan(page)
    assert violations == [], f"axe-core violations on {page.url}:\n" + format_violations(violations)


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot to test-artifacts/screenshots/<name>.png (gitignored).

    ``caret="initial"``: Playwright's default ``caret="hide"`` sets an inline style on every input and
    leaves ``style=""`` behind; htmx later copies that attribute during a swap and the site's CSP
    (style-src 'self') blocks it, a false CSP violation caused by the test, not by the site."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True, caret="initial")
    return path
