"""The "Turn into a help article" button on an answer posts here: the service makes the draft, the member lands in
the Wagtail editor; a refusal comes back as a message on the answer."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community import services
from community.models import Answer
from community.pages import load_question
from community.views.common import actor

from ..lift import lift_answer


@login_required
@require_POST
def lift(request, pk: int):
    # Only an answer the member can see, on a question they can see: the redirect back names the question.
    answer = Answer.objects.visible_to(request.user).select_related("question").filter(pk=pk).first()
    if answer is None or load_question(answer.question_id, request.user) is None:
        raise Http404
    back = f"{answer.question.get_absolute_url()}#answer-{answer.pk}"
    try:
        page = lift_answer(actor(request), answer)
    except services.CommunityError as error:
        messages.error(request, error.message)
        response = redirect(back)
        if error.retry_after:
            response["Retry-After"] = str(error.retry_after)
        return response
    messages.success(request, _("A draft help article was made from the answer. Finish it and publish it here."))
    return redirect(reverse("wagtailadmin_pages:edit", args=[page.pk]))
