"""The static storage memoises each file's URL in production and refuses unknown files as WhiteNoise does."""

import json

import pytest

from portal.storage import StaticStorage


@pytest.fixture
def storage(tmp_path, settings):
    settings.DEBUG = False
    manifest = {"version": "1.1", "hash": "x", "paths": {"css/portal.css": "css/portal.0123abcd.css"}}
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    return StaticStorage(location=str(tmp_path), base_url="/static/")


def test_the_hashed_url_is_answered_once_and_kept(storage, monkeypatch):
    assert storage.url("css/portal.css") == "/static/css/portal.0123abcd.css"
    monkeypatch.setattr(storage, "hashed_files", {})  # the manifest is not asked again
    assert storage.url("css/portal.css") == "/static/css/portal.0123abcd.css"


def test_a_missing_file_still_raises_and_is_not_kept(storage):
    for _attempt in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("css/missing.css")
    assert "css/missing.css" not in storage._urls


def test_development_is_not_memoised(storage, settings):
    settings.DEBUG = True
    assert storage.url("css/portal.css") == "/static/css/portal.css"  # unhashed while DEBUG, as Django does
    assert storage._urls == {}
