"""The agent workspace's form fields (moderation/cases/workspace/_field.html): every id an input's
aria-describedby names exists (Django names them "<id>_helptext" and "<id>_error"), and ids stay unique when a
field has more than one error."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from django.template.loader import render_to_string

from moderation.cases.workspace.forms import ReplyForm, TagsForm
from tests.moderation.cases.factories import CaseFactory, make_agent

pytestmark = pytest.mark.django_db

INDEX = "/admin/cases/"


@pytest.fixture
def agent():
    return make_agent("agent1")


def check_references(soup):
    for control in soup.select("[aria-describedby]"):
        for ref in control["aria-describedby"].split():
            assert soup.find(id=ref) is not None, (control.get("name"), ref)


def unique_ids(soup):
    ids = [tag["id"] for tag in soup.find_all(id=True)]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def test_a_refused_tag_names_its_help_and_its_error(agent_client, agent):
    case = CaseFactory(assignee=agent)
    response = agent_client.post(f"{INDEX}{case.pk}/", {"action": "tags", "tags-tags": "<script>", "tags-version": 1})
    assert response.status_code == 400
    soup = BeautifulSoup(response.content.decode(), "html.parser")
    tags = soup.find(id="id_tags-tags")
    assert tags["aria-invalid"] == "true"
    refs = tags["aria-describedby"].split()
    assert refs == ["id_tags-tags_helptext", "id_tags-tags_error"]
    assert "letters, digits" in soup.find(id=refs[0]).get_text()
    assert "not a valid tag" in soup.find(id=refs[1]).get_text()
    for control in soup.select("form [aria-describedby]"):
        for ref in control["aria-describedby"].split():
            assert soup.find(id=ref) is not None, (control.get("name"), ref)


def render(form, name):
    return BeautifulSoup(render_to_string("moderation/cases/workspace/_field.html", {"field": form[name]}), "html.parser")


def test_two_errors_on_one_field_keep_ids_unique():
    reply = ReplyForm({"reply-visibility": "nobody", "reply-version": 1}, prefix="reply")
    assert not reply.is_valid()
    reply.add_error("visibility", "A second reason.")
    soup = render(reply, "visibility")
    unique_ids(soup)
    check_references(soup)
    group = soup.find("fieldset")
    assert group["aria-describedby"] == "id_reply-visibility_error"
    assert "A second reason." in soup.find(id="id_reply-visibility_error").get_text()
    tags = TagsForm({"tags-tags": "billing", "tags-version": 1}, prefix="tags")
    assert tags.is_valid()  # the service judges the tags: its refusals are added to the form
    tags.add_error("tags", "One reason.")
    tags.add_error("tags", "Another one.")
    soup = render(tags, "tags")
    unique_ids(soup)
    check_references(soup)
    assert soup.find(id="id_tags-tags")["aria-describedby"] == "id_tags-tags_helptext id_tags-tags_error"


def test_a_nul_in_a_reply_or_note_comes_back_with_the_text(agent_client, agent):
    case = CaseFactory(assignee=agent)
    response = agent_client.post(f"{INDEX}{case.pk}/", {
        "action": "note", "note-body": "Customer called\x00 twice today", "note-version": case.version,
    })
    assert response.status_code == 400  # the form's field error, not the bare page that loses the note
    html = response.content.decode()
    assert "Null characters are not allowed." in html and "twice today" in html
