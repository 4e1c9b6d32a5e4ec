"""The staff roles and what each may do. Applied by a data migration and re-applied by load_demo."""

from __future__ import annotations

CONTENT_EDITORS = "Content editors"
MODERATORS = "Moderators"
SUPPORT_AGENTS = "Support agents"
SUPPORT_SUPERVISORS = "Support supervisors"

# Page permissions granted on the root page, so they cover every locale's tree.
PAGE_PERMISSIONS = {
    CONTENT_EDITORS: ["add_page", "change_page"],  # editors submit for review; moderators publish
    MODERATORS: ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"],
    SUPPORT_AGENTS: [],
    SUPPORT_SUPERVISORS: [],
}
COLLECTION_PERMISSIONS = {
    CONTENT_EDITORS: ["add_image", "change_image", "choose_image", "add_document", "change_document", "choose_document"],
    MODERATORS: ["add_image", "change_image", "choose_image", "add_document", "change_document", "choose_document"],
    SUPPORT_AGENTS: ["choose_image", "choose_document"],
    SUPPORT_SUPERVISORS: ["choose_image", "choose_document"],
}
MODEL_PERMISSIONS = {
    CONTENT_EDITORS: [
        ("wagtailadmin", "access_admin"),
        ("taggit", "add_tag"), ("taggit", "change_tag"), ("taggit", "view_tag"),
        ("knowledge", "view_articlefeedback"), ("knowledge", "view_articlehelpfulness"),
    ],
    MODERATORS: [
        ("wagtailadmin", "access_admin"),
        ("taggit", "add_tag"), ("taggit", "change_tag"), ("taggit", "delete_tag"), ("taggit", "view_tag"),
        ("knowledge", "view_articlefeedback"), ("knowledge", "view_articlehelpfulness"),
        ("community", "moderate_posts"),
        # Wagtail's Site history shows a log entry to those with a permission on its target's type:
        # these let moderators see the audit entries about answers and comments, not only questions.
        ("community", "view_question"), ("community", "view_answer"), ("community", "view_comment"),
    ],
    SUPPORT_AGENTS: [
        ("wagtailadmin", "access_admin"), ("knowledge", "view_articlefeedback"), ("knowledge", "view_articlehelpfulness"),
        ("moderation", "work_cases"), ("moderation", "view_case"), ("moderation", "view_macro"),
        ("community", "view_question"), ("community", "view_answer"),
    ],
    # Supervisors work cases too, see every agent's load and breaches, and manage macros, SLA policies,
    # business calendars and agents' coverage.
    SUPPORT_SUPERVISORS: [
        ("wagtailadmin", "access_admin"), ("knowledge", "view_articlefeedback"), ("knowledge", "view_articlehelpfulness"),
        ("moderation", "work_cases"), ("moderation", "supervise_cases"), ("moderation", "view_case"),
        ("community", "view_question"), ("community", "view_answer"),
        *[("moderation", f"{verb}_{model}") for model in ("macro", "slapolicy", "businesscalendar", "holiday", "agentprofile")
          for verb in ("add", "change", "delete", "view")],
    ],
}


def apply_roles(apps) -> None:
    """Idempotently create the groups and grant their permissions (works with migration or real apps)."""
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    for config in apps.get_app_configs():
        config.models_module = getattr(config, "models_module", None) or True
        create_contenttypes(config, verbosity=0, apps=apps)
        create_permissions(config, verbosity=0, apps=apps)

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Page = apps.get_model("wagtailcore", "Page")
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")

    # Wagtail's own "Editors" group becomes our "Content editors" (keeping anything granted to it).
    if not Group.objects.filter(name=CONTENT_EDITORS).exists():
        Group.objects.filter(name="Editors").update(name=CONTENT_EDITORS)
    root = Page.objects.filter(depth=1).first()
    root_collection = Collection.objects.filter(depth=1).first()
    for name in (CONTENT_EDITORS, MODERATORS, SUPPORT_AGENTS, SUPPORT_SUPERVISORS):
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codename in MODEL_PERMISSIONS[name]:
            permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if permission:
                group.permissions.add(permission)
        if root is not None:
            for codename in PAGE_PERMISSIONS[name]:
                permission = Permission.objects.get(content_type__app_label="wagtailcore", codename=codename)
                GroupPagePermission.objects.get_or_create(group=group, page=root, permission=permission)
        if root_collection is not None:
            for codename in COLLECTION_PERMISSIONS[name]:
                app_label = "wagtailimages" if codename.endswith("image") else "wagtaildocs"
                permission = Permission.objects.get(content_type__app_label=app_label, codename=codename)
                GroupCollectionPermission.objects.get_or_create(
                    group=group, collection=root_collection, permission=permission
                )
