import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import make_article, translate

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


@pytest.mark.parametrize(("env", "message"), [({"SECRET_KEY": ""}, "SECRET_KEY"), ({"DEBUG": "1"}, "DEBUG")])
def test_production_refuses_to_start_misconfigured(tmp_path, env, message):
    result = run_python("import django; django.setup()", PORTAL_VAR_DIR=str(tmp_path), **{**SAMPLE_PRODUCTION_ENV, **env})
    assert result.returncode != 0 and message in result.stderr


def test_security_headers_on_public_pages(client, article):
    response = client.get(article.url)
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    html = response.content.decode()
    assert "<script>" not in html and " style=" not in html and "onclick" not in html  # the CSP holds


def test_robots_and_sitemap_cover_both_languages(client, site, topic, article):
    translate(topic, site["locale_ja"], title="請求")
    article_ja = translate(article, site["locale_ja"], title="払い戻し")
    robots = client.get("/robots.txt").content.decode()
    assert "Disallow: /admin/" in robots and "Sitemap: http://testserver/sitemap.xml" in robots
    sitemap = client.get("/sitemap.xml").content.decode()
    assert f"<loc>http://testserver{article.url}</loc>" in sitemap
    assert f"<loc>http://testserver{article_ja.url}</loc>" in sitemap
    draft = make_article(topic, "Unpublished", live=False)
    assert draft.slug not in client.get("/sitemap.xml").content.decode()


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
