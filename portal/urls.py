from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents.views import serve as wagtaildocs_serve

from community.sitemaps import QuestionSection
from knowledge import views as knowledge_views
from search import views as search_views

from . import notification_views, page_cache, sitemaps, views
from .params import register_converters

SITEMAP_SECTIONS = {
    "pages": sitemaps.PageSection(),
    "community": sitemaps.StaticSection("community", ["community_index"]),
    "questions": QuestionSection(),
}

register_converters()  # <id:...>: ids within the database's range

handler429 = views.too_many_requests  # allauth's account forms sent too often (allauth reads this name)

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("sitemap.xml", sitemaps.index, {"sections": SITEMAP_SECTIONS}, name="sitemap"),
    path("sitemap-<slug:section>-<id:number>.xml", sitemaps.child, {"sections": SITEMAP_SECTIONS}, name="sitemap_child"),
    # Every sign-in goes through allauth, so two-factor and rate limits cannot be bypassed.
    path("admin/login/", views.login_redirect),
    path("django-admin/login/", views.login_redirect),
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    # wagtail.documents.urls with ids bounded to the database's range (its `(\d+)` overflows on SQLite).
    path("documents/<id:document_id>/<path:document_filename>", wagtaildocs_serve.serve, name="wagtaildocs_serve"),
    path("documents/<id:document_id>/", wagtaildocs_serve.serve, {"document_filename": ""}, name="wagtaildocs_serve"),
    path(
        "documents/authenticate_with_password/<id:restriction_id>/",
        wagtaildocs_serve.authenticate_with_password, name="wagtaildocs_authenticate_with_password",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
]

urlpatterns += i18n_patterns(
    path("accounts/profile/", views.edit_profile, name="edit_profile"),
    path("accounts/", include("allauth.urls")),
    path("community/users/<str:username>/", views.member_profile, name="member_profile"),
    path("search/", search_views.search, name="search"),
    path("search/suggest/", search_views.suggest, name="search_suggest"),
    path("search/click/", search_views.click, name="search_click"),  # old result links (redirect only)
    path("search/click/ping/", search_views.click_ping, name="search_click_ping"),
    path("notifications/", notification_views.notification_list, name="notification_list"),
    path("notifications/read/", notification_views.mark_read, name="notification_mark_read"),
    path("notifications/<id:pk>/open/", notification_views.open_notification, name="notification_open"),
    path("notifications/preferences/", notification_views.preferences, name="notification_preferences"),
    path("notifications/unsubscribe/<str:token>/", notification_views.unsubscribe, name="notification_unsubscribe"),
    path("community/moderation/", include("moderation.urls")),
    path("support/", include("moderation.cases.urls")),  # cust: the customer's support cases and surveys
    path("community/", include("community.rewards.urls")),  # leaderboard, badges, rewards, privileges
    path("community/", include("community.urls")),
    path("help/<slug:slug>/", knowledge_views.article_by_slug, name="article_by_slug"),
    path("articles/<id:page_id>/helpful/", knowledge_views.helpful_vote, name="helpful_vote"),
    re_path(r"^((?:[\w\-]+/)*)$", page_cache.serve, name="wagtail_serve"),
    prefix_default_language=False,
)

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns = static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT) + urlpatterns
