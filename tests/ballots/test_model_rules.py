"""The rules between figures live in the models' clean(), in the words the forms show.

Every route (admin, grid, CSV, signed link) reaches them through ModelForm
validation, so anything that calls full_clean() gets the same messages.
"""

import datetime as dt

import pytest
import time_machine
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ballots import models as ballots_models
from ballots.models import Ballot, BranchReadiness, TurnoutReturn
from ballots.services import ImportRejected, turnout_validate
from tests.ballots.factories import BranchFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 12, 10, tzinfo=dt.UTC)


def _errors(instance) -> dict:
    with pytest.raises(ValidationError) as exc:
        instance.full_clean()
    return exc.value.message_dict


@time_machine.travel(NOW, tick=False)
def test_readiness_model_names_the_figures(world):
    snapshot = BranchReadiness(
        branch=world["b1"],
        taken_on=dt.date(2026, 3, 13),
        members=1200,
        staff_in_post=1100,
        with_email=1300,
        with_mobile=10,
        with_contact=20,
        with_home_address=5,
    )
    assert _errors(snapshot) == {
        "taken_on": ["The date of these figures must be today or in the past"],
        "with_email": ["Members with a personal email cannot be more than the members (1,200)"],
        "staff_in_post": [
            "Staff in post cannot be fewer than the members (1,200). Leave it empty if you do "
            "not know"
        ],
    }
    snapshot.taken_on, snapshot.staff_in_post = NOW.date(), None
    snapshot.with_email, snapshot.with_contact = 15, 30
    assert _errors(snapshot) == {
        "with_contact": [
            "Members with a personal email or mobile cannot be more than those with an email "
            "plus those with a mobile (15 + 10 = 25)"
        ]
    }


def test_ballot_and_turnout_models_name_the_dates_and_counts(world):
    ballot = Ballot(name="Pay", opens_on=dt.date(2027, 3, 14), closes_on=dt.date(2027, 3, 1))
    assert _errors(ballot) == {
        "closes_on": [
            "The date the ballot closes must be the same as or after the date it opens "
            "(14 March 2027)"
        ]
    }
    count = TurnoutReturn(
        ballot=world["ballot"], branch=world["b1"], counted_on=dt.date(2026, 4, 1), voted=201
    )
    assert _errors(count) == {
        "counted_on": [
            "The date of the count must be between 2 March 2026 and 31 March 2026, while "
            "voting runs"
        ],
        "voted": ["Members who have voted cannot be more than the members entitled to vote (200)"],
    }
    outside = TurnoutReturn(
        ballot=world["ballot"], branch=BranchFactory(), counted_on=dt.date(2026, 3, 5), voted=1
    )
    assert _errors(outside) == {
        "branch": [f"This branch is not in a unit that {world['ballot']} covers"]
    }


def test_admin_turnout_form_refuses_a_branch_outside_the_ballot(client, world, national):
    client.force_login(national)
    stray = BranchFactory(group=world["g1"], region=world["north"])
    response = client.post(
        reverse("admin:ballots_turnoutreturn_add"),
        {
            "ballot": world["ballot"].pk,
            "branch": stray.pk,
            "counted_on": "2026-03-05",
            "voted": "5",
        },
    )
    errors = {k: list(v) for k, v in response.context["adminform"].form.errors.items()}
    assert errors == {"branch": [f"This branch is not in a unit that {world['ballot']} covers"]}
    assert not TurnoutReturn.objects.exists()


def test_turnout_rows_check_entitlement_without_a_query_per_row(world):
    """The importer looks up every branch's entitlement at once; a branch outside the
    ballot's units is a line error, not a crash."""
    ballot, b1, b3 = world["ballot"], world["b1"], world["b3"]
    branches = {"JC-1": b1, "TX-1": b3}

    def queries(rows):
        with CaptureQueriesContext(connection) as ctx:
            turnout_validate(ballot=ballot, rows=rows, branches=branches)
        return len(ctx.captured_queries)

    one = [(2, "JC-1", {"counted_on": "2026-03-05", "voted": "5"})]
    two = [*one, (3, "TX-1", {"counted_on": "2026-03-05", "voted": "6"})]
    assert queries(one) == queries(two)
    stray = BranchFactory()
    with pytest.raises(ImportRejected) as exc:
        turnout_validate(
            ballot=ballot,
            rows=[(2, "ST-1", {"counted_on": "2026-03-05", "voted": "5"})],
            branches={"ST-1": stray},
        )
    assert [e.message for e in exc.value.errors] == [
        "Branch code 'ST-1' is not a branch in this ballot's units: check the code"
    ]


def test_every_model_is_importable_from_the_models_package():
    """The models live in one module per subject; `from ballots.models import X` finds each."""
    for model in apps.get_app_config("ballots").get_models():
        assert getattr(ballots_models, model.__name__) is model
        assert model.__name__ in ballots_models.__all__
