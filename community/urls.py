from django.urls import path, register_converter

from portal.params import register_converters

from .views import actions, ask, lists, questions


class PostKind:
    regex = "[qa]"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


class AnyKind(PostKind):
    regex = "[qac]"


class UnicodeSlug(PostKind):
    regex = "[^/]+"


register_converter(PostKind, "postkind")
register_converter(AnyKind, "anykind")
register_converter(UnicodeSlug, "uslug")
register_converters()  # <id:...>: ids within the database's range (no OverflowError, no 500)

urlpatterns = [
    path("", lists.index, name="community_index"),
    path("ask/", questions.ask, name="community_ask"),
    path("ask/suggest/", ask.suggest, name="ask_suggest"),
    path("ask/preview/", ask.preview, name="ask_preview"),
    path("ask/tags/", ask.tag_options, name="ask_tag_options"),
    path("ask/open/<str:kind>/<id:pk>/", ask.open_suggestion, name="ask_open"),
    path("tags/<slug:tag>/", lists.tag, name="community_tag"),
    path("q/<id:pk>/", questions.question_detail, name="question_detail_short"),
    path("q/<id:pk>/edit/", questions.edit_question, name="question_edit"),
    path("q/<id:pk>/answer/", actions.answer, name="question_answer"),
    path("q/<id:pk>/follow/", actions.follow, name="question_follow"),
    path("q/<id:pk>/close-vote/", actions.close_vote, name="question_close_vote"),
    path("a/<id:pk>/edit/", questions.edit_answer, name="answer_edit"),
    path("a/<id:pk>/accept/", actions.accept, name="answer_accept"),
    path("<postkind:kind>/<id:pk>/vote/", actions.vote, name="post_vote"),
    path("<postkind:kind>/<id:pk>/comment/", actions.comment, name="post_comment"),
    path("<anykind:kind>/<id:pk>/delete/", actions.delete, name="post_delete"),
    path("<postkind:kind>/<id:pk>/revisions/", questions.revisions, name="post_revisions"),
    path("q/<id:pk>/<uslug:slug>/", questions.question_detail, name="question_detail"),
]
