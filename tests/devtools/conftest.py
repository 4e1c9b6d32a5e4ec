from __future__ import annotations

import pytest
import yaml

from devtools.management.commands.load_demo import DEMO_DIR
from tests.factories import make_topic, translate

TOPICS = yaml.safe_load((DEMO_DIR / "topics.yaml").read_text("utf-8"))


@pytest.fixture
def demo_topics(site):
    """The six demo topics, in English and Japanese, as load_demo creates them."""
    topics = {}
    for data in TOPICS:
        en = make_topic(site["en"], data["title"], data["slug"], tags=data["tags"])
        topics[data["slug"]] = (en, translate(en, site["locale_ja"], title=data["title_ja"]))
    return topics
