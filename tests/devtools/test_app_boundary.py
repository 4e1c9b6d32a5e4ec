"""devtools is developer tooling, not product: production settings leave it out, and no product app imports it."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

PRODUCT_APPS = ("portal", "search", "knowledge", "community", "moderation")
SHOW_APPS = "import json; from django.conf import settings; print(json.dumps(settings.INSTALLED_APPS))"


def installed_apps(module: str, **env: str) -> list[str]:
    """INSTALLED_APPS of a settings module, read in a fresh interpreter (settings are process-wide)."""
    environ = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    environ.update(DJANGO_SETTINGS_MODULE=module, **env)
    result = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", f"import django; django.setup(); {SHOW_APPS}"],
        cwd=settings.BASE_DIR, env=environ, capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_settings_do_not_install_devtools():
    apps = installed_apps(
        "portal.settings.production", SECRET_KEY="x" * 50, DEBUG="0", ALLOWED_HOSTS="help.example.com"
    )
    assert "community" in apps and "portal" in apps  # the product is there ...
    assert "devtools" not in apps  # ... and the demo, seeding and benchmark tools are not


@pytest.mark.parametrize("module", ["portal.settings.dev", "portal.settings.bench"])
def test_dev_and_bench_settings_install_devtools_last(module):
    apps = installed_apps(module)
    assert apps[-1] == "devtools"


def test_the_test_settings_install_devtools():
    assert "devtools" in settings.INSTALLED_APPS


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at module level or inside functions."""
    tree = ast.parse(path.read_text("utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_product_app_imports_devtools():
    base = Path(settings.BASE_DIR)
    offenders = [
        f"{path.relative_to(base)}: {name}"
        for app in PRODUCT_APPS
        for path in sorted((base / app).rglob("*.py"))
        for name in imported_modules(path)
        if name == "devtools" or name.startswith("devtools.")
    ]
    assert offenders == []
    # The check reads real files: it finds an import where there is one.
    assert "devtools.generated" in imported_modules(base / "devtools" / "community_demo.py")
