"""Every string the code and templates mark for translation has a Japanese translation that is not fuzzy:
`makemessages` is run over the project into a copy of the catalogue, which must then be complete. (Strings
added without updating the catalogue showed in English on Japanese pages: the support-case history labels,
"None." in the agent's case page, the NPS definition in Insights.)"""

import os
import shutil
import subprocess

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test.utils import override_settings


def test_the_japanese_catalogue_is_complete(tmp_path, monkeypatch):
    if shutil.which("xgettext") is None:
        if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
            pytest.fail("xgettext is missing: install Debian's gettext package")
        pytest.skip("xgettext is not installed (Debian's gettext package)")
    # makemessages writes to the catalogue of the tree it reads: it reads a copy of the project, so that the
    # project's own locale/ is never touched.
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo")
    for name in ("portal", "community", "moderation", "knowledge", "search", "devtools", "templates", "locale"):
        shutil.copytree(settings.BASE_DIR / name, tmp_path / name, ignore=ignore)
    copy = tmp_path / "locale"
    monkeypatch.chdir(tmp_path)
    with override_settings(LOCALE_PATHS=[copy]):
        call_command("makemessages", locale=["ja"], verbosity=0)
    catalogue = copy / "ja" / "LC_MESSAGES" / "django.po"
    msgattrib, msgfmt = shutil.which("msgattrib"), shutil.which("msgfmt")
    missing = subprocess.run(  # noqa: S603 - gettext's own tools on our own file
        [msgattrib, "--untranslated", "--no-obsolete", "--no-wrap", str(catalogue)],
        capture_output=True, text=True, check=True,
    ).stdout
    fuzzy = subprocess.run(  # noqa: S603
        [msgattrib, "--only-fuzzy", "--no-obsolete", "--no-wrap", str(catalogue)],
        capture_output=True, text=True, check=True,
    ).stdout
    assert (missing + fuzzy).count("msgid ") == 0, "untranslated or fuzzy in locale/ja (run makemessages -l ja):\n" + missing + fuzzy
    # The committed catalogue compiles with the same placeholders as the English strings.
    subprocess.run([msgfmt, "--check-format", "-o", os.devnull, str(catalogue)], check=True)  # noqa: S603


def test_no_translated_string_is_written_inside_an_f_string():
    """xgettext does not read inside f-strings: `f"{_('Nothing in this range.')}"` never reaches the catalogue
    (its Japanese was kept by hand, and a catalogue update would have dropped it)."""
    import re

    call = re.compile(r"""\bf(['"]).*\{[^}]*\b(?:_|gettext|ngettext|pgettext|gettext_lazy|pgettext_lazy)\(""")
    found = []
    for app in ("portal", "community", "moderation", "knowledge", "search", "devtools"):
        for path in (settings.BASE_DIR / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
                if call.search(line):
                    found.append(f"{path.relative_to(settings.BASE_DIR)}:{number}: {line.strip()}")
    assert found == []
