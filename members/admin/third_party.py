"""Admins that other packages put on the organiser site: national organisers only.

Django's auth groups hold each role's permissions; django-otp's devices are
organisers' second factors; django-axes' records are organisers' usernames,
addresses and browsers; the task queue's rows carry members' email addresses in
their arguments and tracebacks. None of it belongs to a branch, so no group or
regional organiser reads it, whatever permissions their role is given. They are
registered before this module runs (INSTALLED_APPS lists their apps first) and
registered again here behind the one mixin.
"""

from django.contrib import admin

from members.scoping import ScopedAdminMixin

THIRD_PARTY = [
    "auth.group",
    "axes.accessattempt",
    "axes.accessfailurelog",
    "axes.accesslog",
    "django_tasks_database.dbtaskresult",
    "otp_static.staticdevice",
    "otp_totp.totpdevice",
]


class NationalOnlyMixin(ScopedAdminMixin):
    scope_branch_path = None
    national_only = True


def national_only(site: admin.AdminSite = admin.site) -> None:
    """Register each third-party admin again, behind ``national_only``."""
    for model, model_admin in list(site._registry.items()):
        if model._meta.label_lower not in THIRD_PARTY:
            continue
        cls = type(model_admin)
        site.unregister(model)
        site.register(model, type(f"NationalOnly{cls.__name__}", (NationalOnlyMixin, cls), {}))


national_only()
