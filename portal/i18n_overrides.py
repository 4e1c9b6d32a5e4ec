"""Words other apps translate differently from the site, re-translated in the site's own catalogue (locale/,
which Django reads before any app's). Wagtail's users app, installed before allauth, says "ユーザ名" and "Eメール"
on the sign-up form where every page of the site says "ユーザー名" and "メールアドレス" (as allauth itself does).
Listed here so that `makemessages` keeps them in locale/ja; nothing imports this module."""

from django.utils.translation import gettext_noop

OVERRIDDEN = (
    gettext_noop("Username"),
    gettext_noop("Email"),
    gettext_noop("A user with that username already exists."),
)
