import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import UserFactory, make_article, translate

ROOT = Path(__file__).resolve().parents[2]


def run_python(code: str, **env) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY", "DEBUG"}}
    environment.update(env)
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def test_healthz_reports_each_component(client, db):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200 and body["status"] == "ok"
    assert body["database"]["status"] == "ok"
    assert body["search"] == {"backend": "database", "status": "ok"}
    assert body["tasks"]["status"] == "ok"
    assert response["Cache-Control"] == "no-store"


def test_healthz_tells_outsiders_only_whether_the_portal_is_up(client, db, settings):
    response = client.get("/healthz", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 200 and response.json() == {"status": "ok"}  # no engine, vendor or backlog
    assert client.get("/healthz", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="127.0.0.1").json() == {"status": "ok"}
    settings.PORTAL_HEALTHZ_DETAIL_FROM = ["203.0.113.0/24"]
    assert client.get("/healthz", REMOTE_ADDR="203.0.113.9").json()["search"]["backend"] == "database"
    assert client.get("/healthz").json() == {"status": "ok"}  # loopback is not special once the list is set


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path):
    code = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/healthz'); print(r.status_code, json.dumps(r.json()))"
    )
    result = run_python(
        code,
        DJANGO_SETTINGS_MODULE="portal.settings.test",
        DATABASE_URL="postgres://nobody@127.0.0.1:1/nowhere",  # nothing listens on port 1
        ALLOWED_HOSTS="testserver",
        PORTAL_VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    status, body = result.stdout.strip().split(" ", 1)
    assert status == "503" and json.loads(body)["database"]["status"] == "error"


SAMPLE_PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "portal.settings.production",
    "SECRET_KEY": "x" * 40 + "-sample-production-secret-key-for-check",
    "ALLOWED_HOSTS": "help.example.com",
}


def test_check_deploy_is_clean_with_a_sample_production_environment(tmp_path):
    code = "import django; django.setup(); from django.core.management import call_command; call_command('check', '--deploy', '--fail-level', 'WARNING')"
    result = run_python(code, PORTAL_VAR_DIR=str(tmp_path), **SAMPLE_PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_production_cookie_and_hsts_defaults(tmp_path):
    """The language cookie is Secure and SameSite=Lax like the session's; HSTS is on for a year, but
    includeSubDomains and preload (a commitment for the whole registrable domain) are opt-in."""
    names = "LANGUAGE_COOKIE_SECURE LANGUAGE_COOKIE_SAMESITE SECURE_HSTS_SECONDS SECURE_HSTS_INCLUDE_SUBDOMAINS SECURE_HSTS_PRELOAD"
    var = str(tmp_path)
    defaults = settings_value(names, PORTAL_VAR_DIR=var, **SAMPLE_PRODUCTION_ENV)
    assert defaults == ["True", "Lax", "31536000", "False", "False"]
    subdomains = {**SAMPLE_PRODUCTION_ENV, "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true"}
    assert settings_value(names, PORTAL_VAR_DIR=var, **subdomains)[3:] == ["True", "False"]
    preload = {**SAMPLE_PRODUCTION_ENV, "SECURE_HSTS_PRELOAD": "true"}  # the preload list requires includeSubDomains
    assert settings_value(names, PORTAL_VAR_DIR=var, **preload)[3:] == ["True", "True"]
    code = "import django; django.setup(); from django.core.management import call_command; call_command('check', '--deploy', '--fail-level', 'WARNING')"
    result = run_python(code, PORTAL_VAR_DIR=var, **preload)  # opting in keeps check --deploy clean too
    assert result.returncode == 0 and "no issues" in result.stdout, result.stderr + result.stdout


@pytest.mark.parametrize(("env", "message"), [({"SECRET_KEY": ""}, "SECRET_KEY"), ({"DEBUG": "1"}, "DEBUG")])
def test_production_refuses_to_start_misconfigured(tmp_path, env, message):
    result = run_python("import django; django.setup()", PORTAL_VAR_DIR=str(tmp_path), **{**SAMPLE_PRODUCTION_ENV, **env})
    assert result.returncode != 0 and message in result.stderr


def test_security_headers_on_public_pages(client, article):
    response = client.get(article.url)
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in csp and response["X-Frame-Options"] == "DENY"  # the two agree
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    html = response.content.decode()
    assert "<script>" not in html and " style=" not in html and "onclick" not in html  # the CSP holds


def test_robots_and_sitemap_cover_both_languages(client, site, topic, article):
    translate(topic, site["locale_ja"], title="請求")
    article_ja = translate(article, site["locale_ja"], title="払い戻し")
    robots = client.get("/robots.txt").content.decode()
    assert "Disallow: /admin/" in robots and "Sitemap: http://testserver/sitemap.xml" in robots
    assert "<loc>http://testserver/sitemap-pages-1.xml</loc>" in client.get("/sitemap.xml").content.decode()
    sitemap = b"".join(client.get("/sitemap-pages-1.xml").streaming_content).decode()
    assert f"<loc>http://testserver{article.url}</loc>" in sitemap
    assert f"<loc>http://testserver{article_ja.url}</loc>" in sitemap
    draft = make_article(topic, "Unpublished", live=False)
    assert draft.slug not in b"".join(client.get("/sitemap-pages-1.xml").streaming_content).decode()


def test_short_help_links_redirect_to_the_article(client, article):
    response = client.get(f"/help/{article.slug}/")
    assert response.status_code == 302 and response["Location"] == article.url
    assert client.get("/help/no-such-article/").status_code == 404


def test_japanese_pages_use_japanese_ui_strings(client, site, topic):
    topic_ja = translate(topic, site["locale_ja"], title="請求と払い戻し")
    html = client.get(topic_ja.url).content.decode()
    assert '<html lang="ja">' in html
    assert "メインコンテンツへスキップ" in html and "ヘルプセンター" in html
    assert 'hreflang="en"' in html and 'aria-current="true">日本語' in html
    home_html = client.get("/ja/").content.decode()
    assert "どのようなご用件ですか？" in home_html


def test_language_switcher_links_to_the_translation_or_the_home_page(client, site, topic, article):
    html = client.get(article.url).content.decode()
    assert 'href="/ja/"' in html  # no Japanese version yet: the Japanese home
    translate(topic, site["locale_ja"], title="請求")
    article_ja = translate(article, site["locale_ja"], title="払い戻し")
    html = client.get(article.url).content.decode()
    assert f'href="{article_ja.url}" hreflang="ja"' in html


# --- one public address (PORTAL_BASE_URL, defaulting from HOST/PORT) -------------------------------------------


def settings_value(names: str, **env) -> list[str]:
    code = f"import django; django.setup(); from django.conf import settings; print(*(getattr(settings, n) for n in {names.split()!r}))"
    environment = {"DJANGO_SETTINGS_MODULE": "portal.settings.dev", "PORTAL_BASE_URL": "", "HOST": "", "PORT": "", **env}
    result = run_python(code, **environment)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_base_url_follows_host_and_port_unless_set(tmp_path):
    var = str(tmp_path)
    assert settings_value("PORTAL_BASE_URL WAGTAILADMIN_BASE_URL", PORTAL_VAR_DIR=var) == ["http://127.0.0.1:8000"] * 2
    assert settings_value("PORTAL_BASE_URL WAGTAILADMIN_BASE_URL", PORT="8200", PORTAL_VAR_DIR=var) == ["http://127.0.0.1:8200"] * 2
    assert settings_value("PORTAL_BASE_URL", HOST="0.0.0.0", PORT="8200", PORTAL_VAR_DIR=var) == ["http://127.0.0.1:8200"]  # noqa: S104
    assert settings_value("PORTAL_BASE_URL", HOST="localhost", PORT="80", PORTAL_VAR_DIR=var) == ["http://localhost"]
    assert settings_value("PORTAL_BASE_URL", PORTAL_BASE_URL="https://help.example.com/", PORT="8200", PORTAL_VAR_DIR=var) == ["https://help.example.com"]
    production = {**SAMPLE_PRODUCTION_ENV, "PORT": "8000"}
    assert settings_value("PORTAL_BASE_URL", PORTAL_VAR_DIR=var, **production) == ["https://help.example.com"]


def test_default_base_url_brackets_ipv6_hosts():
    from portal.settings.base import default_base_url

    assert default_base_url("::1", "8200") == "http://[::1]:8200"
    assert default_base_url("", "") == "http://127.0.0.1:8000"


def test_sync_site_writes_the_public_address_to_the_site_record(site, settings):
    from io import StringIO

    from django.core.management import call_command
    from wagtail.models import Site

    settings.PORTAL_BASE_URL = "http://127.0.0.1:8200"
    out = StringIO()
    call_command("sync_site", stdout=out)
    default = Site.objects.get(is_default_site=True)
    assert (default.hostname, default.port) == ("127.0.0.1", 8200) and "updated" in out.getvalue()
    call_command("sync_site", stdout=out)
    assert "already at 127.0.0.1:8200" in out.getvalue()
    settings.PORTAL_BASE_URL = "https://help.example.com"
    call_command("sync_site", stdout=StringIO())
    default.refresh_from_db()
    assert (default.hostname, default.port) == ("help.example.com", 443)
    assert default.root_url == "https://help.example.com"


def test_sync_site_without_a_site_says_so(db):
    from io import StringIO

    from django.core.management import call_command
    from wagtail.models import Site

    Site.objects.all().delete()
    out = StringIO()
    call_command("sync_site", stdout=out)
    assert "No default site" in out.getvalue()


def test_links_use_the_public_address_not_the_request_host(client, settings, site, topic, article):
    from community import services

    settings.PORTAL_BASE_URL = "http://127.0.0.1:8200"
    html = client.get(article.url).content.decode()  # the request's Host is "testserver"
    assert f'<link rel="canonical" href="http://127.0.0.1:8200{article.url}">' in html
    assert "http://testserver" not in html
    assert "Sitemap: http://127.0.0.1:8200/sitemap.xml" in client.get("/robots.txt").content.decode()
    assert "<loc>http://127.0.0.1:8200/sitemap-pages-1.xml</loc>" in client.get("/sitemap.xml").content.decode()
    pages = b"".join(client.get("/sitemap-pages-1.xml").streaming_content).decode()
    assert f"<loc>http://127.0.0.1:8200{article.url}</loc>" in pages and "testserver" not in pages
    question = services.ask_question(UserFactory(), title="Hub light blinks red", body="Since the update.", tags="")
    html = client.get(question.get_absolute_url()).content.decode()
    assert f'<link rel="canonical" href="http://127.0.0.1:8200{question.get_absolute_url()}">' in html
    assert "http://testserver" not in html


def test_notification_emails_link_to_the_public_address(db, settings, django_capture_on_commit_callbacks):
    from django.core import mail

    from community import services

    settings.PORTAL_BASE_URL = "http://127.0.0.1:8200"
    asker, answerer = UserFactory(), UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        question = services.ask_question(asker, title="Hub light blinks red", body="Since the update.", tags="")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.post_answer(answerer, question, body="Hold the reset button for ten seconds.")
    message = next(m for m in mail.outbox if m.to == [asker.email])
    assert message.extra_headers["List-Unsubscribe"].startswith("<http://127.0.0.1:8200/notifications/unsubscribe/")
    assert f"http://127.0.0.1:8200{question.get_absolute_url()}" in message.body
    assert "testserver" not in message.body + message.alternatives[0][0]


def test_times_name_their_zone_and_dates_do_not(settings):
    from datetime import UTC, datetime

    from django.utils import translation
    from django.utils.formats import date_format

    moment = datetime(2026, 12, 6, 19, 52, tzinfo=UTC)
    assert date_format(moment, "DATETIME_FORMAT") == "Dec. 6, 2026, 7:52 p.m. UTC"
    assert date_format(moment, "DATE_FORMAT") == "Dec. 6, 2026"
    with translation.override("ja"):
        assert date_format(moment, "DATETIME_FORMAT") == "2026年12月6日 19:52 UTC"
        assert date_format(moment, "SHORT_DATETIME_FORMAT") == "2026/12/06 19:52 UTC"
