"""The law as data: which version of each rule applies to an event date."""

import datetime as dt

import pytest

from ballots.models import LegalRule
from ballots.rules import RuleBook, add_months, latest_notice_day, period_end, rules_for

pytestmark = pytest.mark.django_db
K = LegalRule.Kind
D = dt.date
CHANGE = D(2026, 2, 18)


def test_initial_data_loads_every_rule_in_the_issue_table():
    """The migration loads the twelve UK rows, each with a source note."""
    rows = LegalRule.objects.all()
    assert {r.kind for r in rows} == set(K.values)
    assert rows.count() == 12
    assert all(r.source for r in rows)
    assert rows.filter(status=LegalRule.Status.ENACTED).count() == 2


@pytest.mark.parametrize("rule", list(LegalRule.Kind.values))
def test_each_in_force_row_applies_from_its_own_first_day(rule):
    """A version decides events from its effective date; the day before, it does not."""
    book = RuleBook()
    for row in book.in_force_versions(rule):
        assert book.resolve(rule, row.effective_from).rule == row
        assert book.resolve(rule, row.effective_from - dt.timedelta(days=1)).rule != row


@pytest.mark.parametrize(
    ("opens", "expected"),
    [
        (D(2017, 2, 28), None),  # before the rules this app knows
        (D(2017, 3, 1), 50),
        (D(2026, 2, 17), 50),
        (D(2026, 2, 18), 50),  # repeal enacted, not commenced: still 50%
        (D(2026, 9, 1), 50),
    ],
)
def test_turnout_threshold_by_opening_date(opens, expected):
    answer = rules_for(K.TURNOUT, opens)
    assert answer.value == expected
    if expected:
        assert [p.status for p in answer.pending] == [LegalRule.Status.ENACTED]


@pytest.mark.parametrize(
    ("opens", "applies"),
    [(D(2026, 2, 17), True), (CHANGE, False), (D(2026, 2, 19), False), (D(2024, 2, 29), True)],
)
def test_support_threshold_repealed_for_ballots_opening_from_18_feb_2026(opens, applies):
    answer = rules_for(K.SUPPORT_IPS, opens)
    assert answer.applies is applies
    assert answer.value == (40 if applies else None)


@pytest.mark.parametrize(
    ("opens", "months"),
    [(D(2026, 2, 17), 6), (CHANGE, 12), (D(2017, 3, 1), 6)],
)
def test_mandate_length_by_opening_date(opens, months):
    assert rules_for(K.MANDATE_LENGTH, opens).value == months


def test_voting_method_is_postal_until_the_order_commences():
    answer = rules_for(K.VOTING_METHOD, D(2026, 9, 1))
    assert answer.rule.text == "Postal only"
    assert answer.pending[0].text.startswith("Electronic")


def test_an_organiser_row_changes_the_answer_without_code():
    """Commencing the turnout repeal is a row with a date, not a code change."""
    LegalRule.objects.filter(kind=K.TURNOUT, status=LegalRule.Status.ENACTED).update(
        status=LegalRule.Status.IN_FORCE, effective_from=D(2027, 1, 4)
    )
    assert rules_for(K.TURNOUT, D(2027, 1, 3)).value == 50
    assert rules_for(K.TURNOUT, D(2027, 1, 4)).applies is False


@pytest.mark.parametrize(
    ("action", "agreed", "receipt", "days"),
    [
        (D(2025, 6, 15), False, D(2025, 6, 1), 14),
        (D(2025, 6, 15), True, D(2025, 6, 8), 7),
        (D(2026, 2, 27), False, D(2026, 2, 13), 14),  # 10 days back is 17 Feb: old rule
        (D(2026, 2, 28), False, D(2026, 2, 18), 10),  # first day of the 10-day rule
        (D(2026, 3, 1), False, D(2026, 2, 19), 10),
        (D(2026, 2, 25), True, D(2026, 2, 17), 8),  # 7 by agreement, sent before 18 Feb
        (D(2028, 3, 10), False, D(2028, 2, 29), 10),  # leap day
        (D(2027, 3, 10), False, D(2027, 2, 28), 10),
    ],
)
def test_notice_of_action_is_decided_by_the_day_the_employer_receives_it(
    action, agreed, receipt, days
):
    due, rule = latest_notice_day(RuleBook(), action, by_agreement=agreed)
    assert due == receipt
    assert (action - due).days == days
    assert rule.kind == K.NOTICE_OF_ACTION


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (D(2026, 3, 3), 6, D(2026, 9, 2)),
        (D(2025, 8, 31), 6, D(2026, 2, 28)),  # no 31 Feb: last day of the month
        (D(2027, 8, 30), 6, D(2028, 2, 29)),  # leap year
        (D(2027, 8, 29), 6, D(2028, 2, 28)),
        (D(2028, 2, 29), 12, D(2029, 2, 28)),
        (D(2026, 12, 31), 12, D(2027, 12, 30)),
        (D(2026, 1, 1), 12, D(2026, 12, 31)),
    ],
)
def test_period_end_at_month_ends_and_leap_years(start, months, end):
    assert period_end(start, months) == end


def test_add_months_clamps():
    assert add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert add_months(D(2023, 1, 31), 1) == D(2023, 2, 28)
    assert add_months(D(2026, 11, 30), 3) == D(2027, 2, 28)


def test_a_rule_in_force_needs_a_date():
    from django.core.exceptions import ValidationError

    rule = LegalRule(kind=K.TURNOUT, decided_by="ballot_opens", status="in_force", source="x")
    with pytest.raises(ValidationError):
        rule.full_clean()
    duplicate = LegalRule(
        kind=K.TURNOUT,
        value=40,
        effective_from=D(2017, 3, 1),
        decided_by="ballot_opens",
        status="in_force",
        source="x",
    )
    with pytest.raises(ValidationError, match="Another version"):
        duplicate.full_clean()
