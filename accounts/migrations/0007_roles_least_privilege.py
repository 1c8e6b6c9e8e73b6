"""Take back the grants that issue 13 item 10 found no duty for (accounts.roles.ROLE_GRANTS).

sync_roles only ever adds permissions, so a database migrated before this change keeps
them until this step removes them:

- pharmacist: therapies.change_therapyplan. Pharmacists verify or return plans; with this
  grant they could also submit and hold them, both sides of four eyes.
- coordinator: add/change of sites of care, nurse profiles and nurse time off. No page
  uses them and no coordinator duty in product.md needs them (choosing a site and
  assigning a nurse need only to read them).

A permission not created yet (a fresh database, where permissions come after migrate)
has nothing to remove. Reversing gives the grants back, as they were before.
"""

from django.db import migrations

REVOKED = {
    "pharmacist": [("therapies", "change_therapyplan")],
    "coordinator": [
        ("scheduling", f"{action}_{model}")
        for model in ("siteofcare", "nurseprofile", "nursetimeoff")
        for action in ("add", "change")
    ],
}


def _permissions(apps, names):
    Permission = apps.get_model("auth", "Permission")
    return [
        permission
        for app_label, codename in names
        for permission in Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        )
    ]


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for role, names in REVOKED.items():
        for group in Group.objects.filter(name=role):
            group.permissions.remove(*_permissions(apps, names))


def grant_back(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for role, names in REVOKED.items():
        for group in Group.objects.filter(name=role):
            group.permissions.add(*_permissions(apps, names))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_api_tokens"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(revoke, grant_back)]
