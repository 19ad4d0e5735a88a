"""The member form accepts only workplaces in the organiser's scope, and never shows
another scope's workplace."""

import pytest
from django.urls import reverse

from members.models import Member, User, Workplace
from tests.factories import BranchFactory, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_workplace_id_outside_scope_is_refused_and_not_named(client):
    mine, theirs = BranchFactory(), BranchFactory()
    secret = Workplace.objects.create(branch=theirs, name="Secret Site Zeta")
    member = MemberFactory(branch=mine, name="Mo Mine")
    client.force_login(UserFactory(role=User.Role.REGIONAL, region=mine.region))
    url = reverse("admin:members_member_change", args=[member.pk])
    response = client.post(
        url,
        {
            "name": member.name,
            "email": member.email,
            "mobile": "",
            "branch": mine.pk,
            "workplace": secret.pk,
            "grade": member.grade,
            "is_union_member": "on",
            "status": member.status,
            "consents-TOTAL_FORMS": "0",
            "consents-INITIAL_FORMS": "0",
            "consents-MIN_NUM_FORMS": "0",
            "consents-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 200
    assert "workplace" in response.context["adminform"].form.errors
    assert "Secret Site Zeta" not in response.content.decode()
    assert Member.objects.get(pk=member.pk).workplace_id is None
