"""The law as data: which version of each rule applies to an event date."""

import datetime as dt

import pytest

from ballots.models import LegalRule
from ballots.rules import (
    RuleBook,
    UnknownEventDate,
    add_months,
    latest_notice_day,
    period_end,
    rules_for,
)

pytestmark = pytest.mark.django_db
K = LegalRule.Kind
E = LegalRule.DecidedBy
D = dt.date
CHANGE = D(2026, 2, 18)


def opening(day):
    """The events known for a ballot that opens on `day` (and closes four weeks later)."""
    return {E.BALLOT_OPENS: day, E.BALLOT_CLOSES: day + dt.timedelta(days=28)}


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
        on = {row.decided_by: row.effective_from}
        before = {row.decided_by: row.effective_from - dt.timedelta(days=1)}
        assert book.resolve(rule, on).rule == row
        assert book.resolve(rule, before).rule != row


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
    answer = rules_for(K.TURNOUT, opening(opens))
    assert answer.value == expected
    if expected:
        assert [p.status for p in answer.pending] == [LegalRule.Status.ENACTED]


@pytest.mark.parametrize(
    ("opens", "applies"),
    [(D(2026, 2, 17), True), (CHANGE, False), (D(2026, 2, 19), False), (D(2024, 2, 29), True)],
)
def test_support_threshold_repealed_for_ballots_opening_from_18_feb_2026(opens, applies):
    answer = rules_for(K.SUPPORT_IPS, opening(opens))
    assert answer.applies is applies
    assert answer.value == (40 if applies else None)


@pytest.mark.parametrize(
    ("opens", "months"),
    [(D(2026, 2, 17), 6), (CHANGE, 12), (D(2017, 3, 1), 6)],
)
def test_mandate_length_by_opening_date(opens, months):
    assert rules_for(K.MANDATE_LENGTH, opening(opens)).value == months


def test_voting_method_is_postal_until_the_order_commences():
    answer = rules_for(K.VOTING_METHOD, opening(D(2026, 9, 1)))
    assert answer.rule.text == "Postal only"
    assert answer.pending[0].text.startswith("Electronic")


def test_an_organiser_row_changes_the_answer_without_code():
    """Commencing the turnout repeal is a row with a date, not a code change."""
    LegalRule.objects.filter(kind=K.TURNOUT, status=LegalRule.Status.ENACTED).update(
        status=LegalRule.Status.IN_FORCE, effective_from=D(2027, 1, 4)
    )
    assert rules_for(K.TURNOUT, opening(D(2027, 1, 3))).value == 50
    assert rules_for(K.TURNOUT, opening(D(2027, 1, 4))).applies is False


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


# Which event decides a rule is the row's decided_by, not code --------------------


def _row(**kwargs):
    return LegalRule.objects.create(status=LegalRule.Status.IN_FORCE, source="test row", **kwargs)


def test_a_row_decided_by_the_closing_date_changes_the_mandate():
    """Opening on 10 Feb 2026 gives 6 months; a row decided by the close gives 12."""
    events = {E.BALLOT_OPENS: D(2026, 2, 10), E.BALLOT_CLOSES: D(2026, 3, 10)}
    assert rules_for(K.MANDATE_LENGTH, events).value == 6
    row = _row(
        kind=K.MANDATE_LENGTH, value=12, effective_from=D(2026, 3, 1), decided_by=E.BALLOT_CLOSES
    )
    answer = rules_for(K.MANDATE_LENGTH, events)
    assert answer.rule == row
    assert answer.value == 12
    assert answer.event_date == D(2026, 3, 10)
    # A ballot that closes before the row's date keeps the rule decided by its opening.
    early = {E.BALLOT_OPENS: D(2026, 2, 1), E.BALLOT_CLOSES: D(2026, 2, 28)}
    assert rules_for(K.MANDATE_LENGTH, early).value == 6


def test_a_notice_of_action_row_decided_by_the_opening_date_changes_the_deadline():
    """A transitional row: 10 days' notice for ballots opening from 1 Feb 2026,
    whenever the notice is received."""
    action = D(2026, 2, 27)
    opens_20_feb = opening(D(2026, 2, 20))
    due, rule = latest_notice_day(RuleBook(), action, by_agreement=False, events=opens_20_feb)
    assert (due, rule.value) == (D(2026, 2, 13), 14)
    row = _row(
        kind=K.NOTICE_OF_ACTION, value=10, effective_from=D(2026, 2, 1), decided_by=E.BALLOT_OPENS
    )
    due, rule = latest_notice_day(RuleBook(), action, by_agreement=False, events=opens_20_feb)
    assert (due, rule) == (D(2026, 2, 17), row)
    # A ballot that opened before 1 Feb is untouched by the new row.
    opens_20_jan = opening(D(2026, 1, 20))
    due, rule = latest_notice_day(RuleBook(), action, by_agreement=False, events=opens_20_jan)
    assert (due, rule.value) == (D(2026, 2, 13), 14)


def test_an_unknown_event_date_is_an_error_not_a_silent_default():
    """A row decided by an event the caller cannot date (saved around clean()) raises."""
    _row(kind=K.TURNOUT, value=40, effective_from=D(2027, 1, 1), decided_by=E.NOTICE_RECEIVED)
    with pytest.raises(UnknownEventDate, match="decided by the date the employer receives"):
        rules_for(K.TURNOUT, opening(D(2027, 3, 1)))
    _row(kind=K.NOTICE_OF_ACTION, value=8, effective_from=D(2027, 1, 1), decided_by=E.BALLOT_OPENS)
    with pytest.raises(UnknownEventDate, match="ballot_opens"):
        latest_notice_day(RuleBook(), D(2027, 5, 1), by_agreement=False)


def test_resolve_needs_the_event_dates_not_a_bare_date():
    with pytest.raises(TypeError, match="mapping of event dates"):
        RuleBook().resolve(K.TURNOUT, D(2026, 3, 1))


@pytest.mark.parametrize(
    ("kind", "decided_by", "ok"),
    [
        (K.TURNOUT, E.BALLOT_OPENS, True),
        (K.TURNOUT, E.BALLOT_CLOSES, True),
        (K.TURNOUT, E.NOTICE_RECEIVED, False),
        (K.MANDATE_LENGTH, E.NOTICE_RECEIVED, False),
        (K.NOTICE_OF_BALLOT, E.NOTICE_RECEIVED, False),
        (K.NOTICE_OF_ACTION, E.NOTICE_RECEIVED, True),
        (K.NOTICE_OF_ACTION, E.BALLOT_OPENS, True),
    ],
)
def test_clean_rejects_an_event_the_rule_cannot_be_decided_by(kind, decided_by, ok):
    from django.core.exceptions import ValidationError

    rule = LegalRule(
        kind=kind, value=5, effective_from=D(2030, 1, 1), decided_by=decided_by, source="x"
    )
    if ok:
        rule.full_clean()
        return
    with pytest.raises(ValidationError) as caught:
        rule.full_clean()
    message = caught.value.message_dict["decided_by"][0]
    assert "cannot work out" in message
    assert "the date the employer receives the notice" in message
    assert "Choose the date the ballot opens or the date the ballot closes" in message


def test_clean_rejects_a_decided_by_value_the_code_does_not_know():
    from django.core.exceptions import ValidationError

    rule = LegalRule(
        kind=K.TURNOUT, value=5, effective_from=D(2030, 1, 1), decided_by="action_day", source="x"
    )
    with pytest.raises(ValidationError) as caught:
        rule.full_clean()
    assert "decided_by" in caught.value.message_dict


def test_the_admin_form_explains_a_decided_by_it_cannot_evaluate(client):
    from django.urls import reverse

    from members.models import User
    from tests.ballots.conftest import organiser

    client.force_login(organiser(User.Role.NATIONAL))
    response = client.post(
        reverse("admin:ballots_legalrule_add"),
        {
            "kind": K.TURNOUT,
            "value": "40",
            "effective_from": "2030-01-01",
            "decided_by": E.NOTICE_RECEIVED,
            "status": "in_force",
            "source": "A future Act",
        },
    )
    assert response.status_code == 200
    assert "cannot work out a turnout threshold rule" in response.content.decode()
    assert not LegalRule.objects.filter(source="A future Act").exists()
