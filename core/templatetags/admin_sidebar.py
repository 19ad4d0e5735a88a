"""``{% nav_sidebar %}``: the admin's navigation sidebar, rendered once per menu.

Django renders it on every admin page: about 40 models, each through a
``{% with %}`` and four ``{% if %}`` lookups, was two fifths of a kept
nominations board's time. What it shows depends only on the menu (the app list,
itself kept per role and permissions: core.admin_site) and on which of its
links the page's path lies under (marked as current), so that is its key.
"""

from django import template
from django.template.defaultfilters import urlencode
from django.template.loader import render_to_string

register = template.Library()

KEPT = 256  # rendered sidebars kept per process
_kept: dict[tuple, str] = {}


def _key(apps, path: str) -> tuple:
    menu = tuple(
        (
            app["app_label"],
            app["name"],
            app["app_url"],
            tuple(
                (m["object_name"], str(m["name"]), m.get("admin_url"), m.get("add_url"))
                for m in app["models"]
            ),
        )
        for app in apps
    )
    links = [
        u for app in apps for u in (app["app_url"], *(m.get("admin_url") for m in app["models"]))
    ]
    return menu, tuple(u for u in links if u and u in path)


@register.simple_tag(takes_context=True)
def nav_sidebar(context):
    apps = context.get("available_apps") or []
    key = _key(apps, urlencode(context["request"].path))
    html = _kept.get(key)
    if html is None:
        html = render_to_string("admin/nav_sidebar.html", context.flatten())
        if len(_kept) >= KEPT:
            _kept.pop(next(iter(_kept)))
        _kept[key] = html
    return html
