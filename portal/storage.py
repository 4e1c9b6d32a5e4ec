"""Static files storage: WhiteNoise's compressed manifest storage with `url()` memoised.

A static file's URL is a pure function of its name and the manifest, which the storage reads once when the
process starts (collectstatic runs before the server). Asking the manifest again on every `{% static %}` cost
about 20 µs each, seven times per page; the memo keeps each name's answer. Development (DEBUG) and `force`
calls are not memoised: there the answer may change while the process runs.
"""

from __future__ import annotations

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name: str, force: bool = False) -> str:
        if force or settings.DEBUG:
            return super().url(name, force)
        found = self._urls.get(name)
        if found is None:
            found = self._urls[name] = super().url(name)  # a missing file raises here, and nothing is kept
        return found
