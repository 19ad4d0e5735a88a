"""The rules of an election, written once and called from models, forms, admin,
services, views and importers. The database enforces the hard ones too (constraints
and the ``nomination_within_seats`` trigger); these give the friendly messages.

The rules work on the values and instances they are given and read nothing
themselves: what they need from the database (a branch's other nominations) the
caller passes in. So this module imports no model, and the models import it.
"""

import datetime
from collections import Counter

from django.core.exceptions import ValidationError


def check_nomination(nomination, *, others=()) -> None:
    """Raise ValidationError if this nomination breaks a rule.

    ``others`` are the branch's live nominations that compete with it for its
    position, at any of the branch's meetings (``Nomination.competing()``).
    """
    errors = []
    has_candidate = nomination.candidate_id is not None
    name = (nomination.other_name or "").strip()
    if has_candidate == bool(name):
        errors.append("Choose one of our candidates or give another candidate's name, not both.")
    if not nomination.position_id or not nomination.meeting_id:
        if errors:
            raise ValidationError(errors)
        return
    position = nomination.position
    if has_candidate and nomination.candidate.position_id != nomination.position_id:
        errors.append(f"{nomination.candidate} is not a candidate for {position.title}.")
    branch = nomination.meeting.branch
    outside = outside_election_message(branch, position.election)
    if outside:
        errors.append(outside)
    others = list(others)
    for other in others:
        same = (
            other.candidate_id == nomination.candidate_id
            if has_candidate
            else other.candidate_id is None and other.other_name.casefold() == name.casefold()
        )
        if same:
            errors.append(already_nominated_message(branch, other, position))
            break
    if len(others) >= position.seats:
        errors.append(seats_message(position, earlier=others))
    if errors:
        raise ValidationError(errors)


def check_can_report(meeting, *, today: datetime.date) -> None:
    """Raise ValidationError unless a branch contact can report this meeting's nominations.

    ``meeting`` is the branch's meeting in the election's AGM window (None if it has
    not told us one): nominations are what a meeting did, so it must have been held.
    """
    if meeting is None:
        raise ValidationError("Tell us the date of your AGM first.")
    if meeting.date > today:
        raise ValidationError(
            f"You can report nominations after the meeting on {meeting.date:%-d %B %Y}."
        )


def outside_election_message(branch, election) -> str | None:
    """A group's election takes nominations only from that group's branches."""
    if election.open_to(branch):
        return None
    return f"{branch.name} is not in {election.group}, so cannot nominate in {election}."


def seats_message(position, earlier=()) -> str:
    """Say the seat limit; name what the branch already nominated when that is the reason."""
    seats = position.seats
    noun = "candidate" if seats == 1 else "candidates"
    message = (
        f"A branch may nominate no more than {seats} {noun} for {position.title} "
        f"({seats} {'seat' if seats == 1 else 'seats'})."
    )
    if earlier:
        message += f" It has already nominated {_list(nominated_at(n) for n in earlier)}."
    return message


def already_nominated_message(branch, earlier, position) -> str:
    """A branch nominates a candidate once per position, whichever meeting it was at."""
    return f"{branch.name} has already nominated {nominated_at(earlier)} for {position.title}."


def nominated_at(nomination) -> str:
    """'Ann Smith at its EGM on 3 February 2027'."""
    meeting = nomination.meeting
    return f"{nomination.nominee} at its {meeting.get_kind_display()} on {meeting.date:%-d %B %Y}"


def _list(items) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def slate_warnings(election) -> list[str]:
    """Return plain-English warnings where our slate breaks the election's seat rules."""
    positions = list(election.positions.prefetch_related("candidates__reserved_categories"))
    rules = list(election.reserved_rules.select_related("position"))
    warnings = []
    all_candidates = [c for p in positions for c in p.candidates.all()]
    for position in positions:
        count = len(position.candidates.all())
        if count > position.seats:
            warnings.append(
                f"{position.title}: {count} candidates for {position.seats} "
                f"{'seat' if position.seats == 1 else 'seats'}; a branch cannot nominate them all."
            )
    for rule in rules:
        pool = (
            [c for c in all_candidates if c.position_id == rule.position_id]
            if rule.position_id
            else all_candidates
        )
        eligible = sum(1 for c in pool if any(r.pk == rule.pk for r in c.reserved_categories.all()))
        if eligible < rule.seats:
            where = rule.position.title if rule.position_id else election.name
            warnings.append(
                f"{where}: {rule.seats} seats are reserved for {rule.category}, "
                f"but the slate has {eligible} "
                f"candidate{'s' if eligible != 1 else ''} who can fill them."
            )
    if election.employer_cap:
        per_employer = Counter(c.employer for c in all_candidates if c.employer_id)
        for employer, count in sorted(per_employer.items(), key=lambda kv: kv[0].name):
            if count > election.employer_cap:
                warnings.append(
                    f"{count} candidates work in {employer}: no more than "
                    f"{election.employer_cap} from one employer can be elected."
                )
    return warnings
