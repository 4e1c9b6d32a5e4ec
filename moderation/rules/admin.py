"""Moderation → Pre-publish rules in the Wagtail admin.

A `ModelViewSet` (list with filters, create, edit, delete) whose views save and delete through
`moderation.rules.services` (permission, validation, audit entry, cache version). The create and edit
forms have a "Try on sample text" button: the form's values — saved or not — are tried on the sample
text and the outcome is shown on the same page; nothing is written.

The viewset joins the "Moderation" menu (moderation/queue/admin.py) through that menu's submenu hook.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet

from ..errors import CommunityError
from ..models import Rule
from ..queue.admin import MODERATION_MENU_HOOK
from . import services
from .forms import RuleForm, try_rule

TRY_ACTION = "action-try"


class TryItMixin:
    """"Try on sample text": validate the form and show what the rule would do, without saving."""

    try_result = None

    def post(self, request, *args, **kwargs):
        if TRY_ACTION not in request.POST:
            return super().post(request, *args, **kwargs)
        if not hasattr(self, "object"):
            self.object = None if isinstance(self, generic.CreateView) else self.get_object()
        form = self.get_form()
        self.try_result = try_rule(form)
        self.form = form
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["try_result"] = self.try_result
        context["try_action"] = TRY_ACTION
        return context

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except CommunityError as error:  # the services' checks (permission, validation) refused it
            form.add_error(error.field if error.field in form.fields else None, error.message)
            self.produced_error_message = error.message
            return self.form_invalid(form)

    def save_instance(self):
        return services.save_rule(self.request.user, self.form.instance)


class RuleCreateView(TryItMixin, generic.CreateView):
    pass


class RuleEditView(TryItMixin, generic.EditView):
    pass


class RuleDeleteView(generic.DeleteView):
    def delete_action(self):
        services.delete_rule(self.request.user, self.object)


class RuleViewSet(ModelViewSet):
    model = Rule
    name = "prepublish-rules"
    icon = "warning"
    menu_label = _("Pre-publish rules")
    add_to_admin_menu = True
    menu_hook = MODERATION_MENU_HOOK
    menu_order = 300
    add_view_class = RuleCreateView
    edit_view_class = RuleEditView
    delete_view_class = RuleDeleteView
    create_template_name = "moderation/rules/rule_form.html"
    edit_template_name = "moderation/rules/rule_form.html"
    list_display = ["name", "kind", "action", "applies_to", "language", "enabled", "updated_at"]
    list_filter = ["kind", "action", "enabled", "applies_to", "language"]
    search_fields = ["name", "pattern"]
    ordering = ["name"]
    copy_view_enabled = False

    def get_form_class(self, for_update=False):
        return RuleForm


@hooks.register("register_admin_viewset")
def register_rule_viewset():
    return RuleViewSet()
