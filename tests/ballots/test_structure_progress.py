"""Structure tests: where each stands (met, on track, behind, overdue, with a projection
to its date), and branch contacts entering progress through their link."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from ballots.models import StructureTest, StructureTestProgress
from members.models import AuditEvent, BranchContactLink
from tests.ballots.factories import PetitionFactory, StructureTestFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = reverse("ballots:contact_report")
TODAY = dt.date(2026, 3, 12)
NOW = dt.datetime(2026, 3, 12, 10, tzinfo=dt.UTC)


def _standing(rows, deadline=dt.date(2026, 4, 11), target=70, today=TODAY):
    test = StructureTestFactory(target_percent=target, deadline=deadline)
    for day, done in rows:
        StructureTestProgress.objects.create(test=test, recorded_on=day, done=done, out_of=100)
    return StructureTest.objects.with_progress().get(pk=test.pk).standing(today)


@pytest.mark.parametrize(
    ("rows", "deadline", "expected"),
    [
        ([], dt.date(2026, 4, 11), "no progress yet"),
        ([(TODAY, 75)], dt.date(2026, 4, 11), "met"),
        # 10 points in 10 days, 30 days to go: on course for 60 + 30 = 90%.
        (
            [(dt.date(2026, 3, 2), 50), (TODAY, 60)],
            dt.date(2026, 4, 11),
            "on track: on course for 90%",
        ),
        # 1 point in 10 days: on course for 33%.
        (
            [(dt.date(2026, 3, 2), 29), (TODAY, 30)],
            dt.date(2026, 4, 11),
            "behind: on course for 33%",
        ),
        ([(dt.date(2026, 3, 1), 40)], dt.date(2026, 3, 10), "overdue: on course for 40%"),
        ([], dt.date(2026, 3, 10), "overdue"),
    ],
)
def test_a_tests_standing_and_projection(rows, deadline, expected):
    assert str(_standing(rows, deadline)) == expected


@pytest.fixture
def branch_test(world):
    test = StructureTestFactory(branch=world["b1"], deadline=dt.date(2026, 4, 11))
    _, token = BranchContactLink.issue(branch=world["b1"], contact_name="Sam", email="s@x.org")
    return test, token


def _post(client, token, test, done, out_of):
    return client.post(
        URL,
        {
            "token": token,
            "action": "structure",
            "test": test.pk,
            f"s{test.pk}-done": done,
            f"s{test.pk}-out_of": out_of,
        },
    )


@time_machine.travel(NOW, tick=False)
def test_a_contact_enters_progress_for_their_branchs_test(client, branch_test):
    test, token = branch_test
    page = client.get(URL, {"token": token}).content.decode()
    assert f"Structure test: {test.title}" in page
    assert "no progress yet" in page

    response = _post(client, token, test, "30", "100")
    assert response.status_code == 302
    assert list(test.progress.values_list("recorded_on", "done", "out_of")) == [(TODAY, 30, 100)]
    assert _post(client, token, test, "35", "100").status_code == 302  # the same day: replaced
    assert list(test.progress.values_list("done", flat=True)) == [35]
    assert AuditEvent.objects.filter(subject="ballots.structuretestprogress").count() == 2
    page = client.get(URL, {"token": token}).content.decode()
    assert "35 of 100" in page


@time_machine.travel(NOW, tick=False)
def test_bad_figures_are_a_clear_error_and_save_nothing(client, branch_test):
    test, token = branch_test
    response = _post(client, token, test, "120", "100")
    assert response.status_code == 200
    assert "Cannot be more than the members it applies to." in response.content.decode()
    response = _post(client, token, test, "many", "")
    assert response.status_code == 200
    assert not test.progress.exists()


@time_machine.travel(NOW, tick=False)
def test_other_branches_and_petition_counted_tests_are_not_offered(client, world, branch_test):
    _, token = branch_test
    elsewhere = StructureTestFactory(branch=world["b2"], deadline=dt.date(2026, 4, 11))
    counted = PetitionFactory(
        structure_test=StructureTestFactory(branch=world["b1"], deadline=dt.date(2026, 4, 11))
    ).structure_test
    page = client.get(URL, {"token": token}).content.decode()
    assert elsewhere.title not in page
    assert counted.title not in page
    for test in (elsewhere, counted):
        assert _post(client, token, test, "10", "100").status_code == 200
        assert not test.progress.exists()


@time_machine.travel(NOW, tick=False)
def test_the_admin_list_says_where_each_test_stands(client, world):
    test = StructureTestFactory(branch=world["b1"], deadline=dt.date(2026, 4, 11))
    StructureTestProgress.objects.create(
        test=test, recorded_on=dt.date(2026, 3, 2), done=29, out_of=100
    )
    StructureTestProgress.objects.create(test=test, recorded_on=TODAY, done=30, out_of=100)
    client.force_login(UserFactory(role="national"))
    page = client.get(reverse("admin:ballots_structuretest_changelist")).content.decode()
    assert "behind: on course for 33%" in page


@time_machine.travel(NOW, tick=False)
def test_the_admin_list_runs_the_same_queries_for_1_or_20_tests(
    client, world, django_assert_max_num_queries
):
    client.force_login(UserFactory(role="national"))
    url = reverse("admin:ballots_structuretest_changelist")

    def add_tests(n):
        for _ in range(n):
            test = StructureTestFactory(branch=world["b1"], deadline=dt.date(2026, 4, 11))
            StructureTestProgress.objects.create(test=test, recorded_on=TODAY, done=75, out_of=100)

    add_tests(1)
    client.get(url)  # warm the session and content types
    with django_assert_max_num_queries(20) as one:
        assert "75% on 12 Mar (met)" in client.get(url).content.decode()
    add_tests(19)
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(url)
