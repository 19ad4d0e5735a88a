"""Fetch the public pages and the regional organiser's contact-link list; print JSON.

Run by tests/core/test_migrate_from_old_layout.py in a process of its own, with
DATABASE_URL naming the migrated database (pytest's own process is bound to the
test database): ``python -m tests.core.serve_migrated_site``.
"""

import json

import django


def main() -> dict:
    django.setup()

    from django.contrib.auth import get_user_model
    from django.test import Client

    from articles.models import Article
    from campaign.models import Election

    article = Article.objects.published().order_by("pk").first()
    election = Election.objects.published().order_by("pk").first()
    paths = ["/", "/articles/", "/elections/", "/sitemap.xml", "/feed/"]
    paths += [article.get_absolute_url(), election.get_absolute_url()]
    anonymous = Client()
    pages = {path: anonymous.get(path).status_code for path in paths}

    regional = get_user_model().objects.get(username="regional")
    organiser = Client()
    organiser.force_login(regional)
    admin_list = organiser.get("/admin/members/branchcontactlink/")
    return {
        "pages": pages,
        "admin_list": {
            "status": admin_list.status_code,
            "html": admin_list.content.decode(),
        },
        "regional": {
            "group_permissions": sorted(regional.get_group_permissions()),
            "user_permissions": sorted(regional.get_user_permissions()),
        },
    }


if __name__ == "__main__":
    print(json.dumps(main()))
