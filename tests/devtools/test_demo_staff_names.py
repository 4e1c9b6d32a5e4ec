"""The demo's staff have first and last names (Wagtail's account settings require both, so without them
nothing on /admin/account/ can be saved, not even the admin language) — on a fresh database and on an
existing demo database where they were created without names."""

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from wagtail.users.models import UserProfile

from devtools.management.commands.load_demo import USERS, Command
from portal import roles

pytestmark = pytest.mark.django_db


def load_users():
    roles.apply_roles(apps)
    return Command().users()


def test_demo_staff_get_first_and_last_names_also_in_an_existing_demo_database():
    User = get_user_model()
    User.objects.create(username="moderator", email="moderator@nimbus-home.example")  # an older demo run: no names
    users = load_users()
    staff = [users[username] for username, *_rest, group, superuser in USERS if group or superuser]
    assert staff and all(user.first_name and user.last_name for user in staff)
    assert (users["moderator"].first_name, users["moderator"].last_name) == ("Morgan", "Moderator")
    assert (users["agent-ja"].first_name, users["agent-ja"].last_name) == ("葵", "佐々木")
    again = load_users()  # idempotent
    assert (again["moderator"].first_name, again["moderator"].last_name) == ("Morgan", "Moderator")


def test_a_demo_moderator_can_switch_the_admin_to_japanese(client):
    moderator = load_users()["moderator"]  # staff get TOTP two-factor from load_demo
    client.force_login(moderator)
    response = client.post("/admin/account/", {
        "name_email-first_name": moderator.first_name, "name_email-last_name": moderator.last_name,
        "name_email-email": moderator.email, "locale-preferred_language": "ja", "locale-current_time_zone": "",
        "theme-theme": "system", "theme-density": "default", "theme-contrast": "system",
    })
    assert response.status_code == 302, [str(e) for f in response.context.get("panels", []) for e in getattr(f, "errors", [])]
    assert UserProfile.get_for_user(moderator).preferred_language == "ja"
