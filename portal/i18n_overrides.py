"""Words other apps translate differently from the site, re-translated in the site's own catalogue (locale/,
which Django reads before any app's). Wagtail's users app, installed before allauth, says "ユーザ名" and "Eメール"
on the sign-up form where every page of the site says "ユーザー名" and "メールアドレス" (as allauth itself does);
Django's length messages read "この値は 50 文字以下でなければなりません( 300 文字になっています)" with a space inside
half-width brackets, where the site writes "50 文字以内で入力してください（現在 300 文字）". Listed here so that `makemessages` keeps them in locale/ja; nothing imports this module."""

from django.utils.translation import gettext_noop, ngettext_lazy

OVERRIDDEN = (
    gettext_noop("Username"),
    gettext_noop("Email"),
    gettext_noop("A user with that username already exists."),
)
# Django's MinLengthValidator and MaxLengthValidator, word for word (lazy: nothing is translated on import).
LENGTHS = (
    ngettext_lazy(
        "Ensure this value has at least %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at least %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
    ngettext_lazy(
        "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
)
