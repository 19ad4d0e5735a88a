"""The admin app config that installs the two-factor admin site as ``admin.site``.

Kept apart from core/admin_site.py because INSTALLED_APPS imports it before
any model can be loaded.
"""

from django.contrib.admin.apps import AdminConfig


class OrganiserAdminConfig(AdminConfig):
    default_site = "core.admin_site.OrganiserAdminSite"
