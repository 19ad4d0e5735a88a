"""Branch contacts' links, sent and withdrawn from the admin (members owns the model)."""

import pytest
from django.core import mail
from django.urls import reverse

from members.models import BranchContactLink

pytestmark = pytest.mark.django_db


def test_sending_a_link_from_the_admin_emails_the_contact(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world["organiser"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:members_branchcontactlink_add"),
            {
                "branch": world["b"]["D1"].pk,
                "contact_name": "Jo",
                "email": "jo@example.org",
                "days": 30,
            },
        )
    assert response.status_code == 302
    link = BranchContactLink.objects.get()
    assert link.created_by == world["organiser"]
    assert len(mail.outbox) == 1
    assert "/report/?token=" in mail.outbox[0].body
    response = client.post(
        reverse("admin:members_branchcontactlink_changelist"),
        {"action": "revoke", "_selected_action": [link.pk]},
    )
    link.refresh_from_db()
    assert link.revoked_at is not None


def test_group_organiser_cannot_send_a_link_for_another_groups_branch(client, world):
    client.force_login(world["organiser"])
    response = client.post(
        reverse("admin:members_branchcontactlink_add"),
        {
            "branch": world["b"]["H1"].pk,
            "contact_name": "Jo",
            "email": "jo@example.org",
            "days": 30,
        },
    )
    assert response.status_code == 200  # the form refuses the branch
    assert not BranchContactLink.objects.exists()


@pytest.mark.parametrize("who", ["national", "organiser"])
def test_contact_link_list_and_add_pages_open(client, world, who):
    """The links moved to the members app; organisers still send them from the admin."""
    client.force_login(world[who])
    assert client.get(reverse("admin:members_branchcontactlink_changelist")).status_code == 200
    assert client.get(reverse("admin:members_branchcontactlink_add")).status_code == 200
