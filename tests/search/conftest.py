"""Fixtures shared by the search tests."""

import pytest

from search.backends.database import DatabaseBackend
from search.models import SearchDocument


class EngineInSync:
    """The Elasticsearch backend, fed from SearchDocument before each read — what the on_commit push task
    does in the product (tests run inside a transaction, so on_commit never fires here)."""

    def __init__(self, engine):
        self.engine, self.name = engine, engine.name
        self.sent: set[str] = set()

    def _sync(self):
        docs = {doc.key: doc for doc in SearchDocument.objects.all()}
        for key in self.sent - set(docs):
            self.engine.delete(key)
        for doc in docs.values():
            self.engine.index(doc)
        self.sent = set(docs)
        self.engine.refresh()

    def search(self, query):
        self._sync()
        return self.engine.search(query)

    def suggest(self, *args, **kwargs):
        self._sync()
        return self.engine.suggest(*args, **kwargs)


@pytest.fixture(params=["database", "elasticsearch"])
def backend(request):
    if request.param == "database":
        return DatabaseBackend()
    return EngineInSync(request.getfixturevalue("es_backend"))
