"""The rules of an election, written once and called from forms, admin, services
and importers. The database enforces the hard ones too (constraints and the
``nomination_within_seats`` trigger); these give the friendly messages."""

from collections import Counter

from django.core.exceptions import ValidationError


def check_nomination(nomination) -> None:
    """Raise ValidationError if this nomination breaks a rule."""
    from campaign.models import Nomination

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
    election = position.election
    branch = nomination.meeting.branch
    if election.group_id is not None and branch.group_id != election.group_id:
        errors.append(
            f"{branch.name} is not in {election.group}, so cannot nominate in {election}."
        )
    # The rules hold per branch, across all its meetings (an AGM and an EGM),
    # as the nomination_within_seats trigger checks them.
    others = (
        Nomination.objects.active()
        .filter(meeting__branch_id=branch.pk, position_id=nomination.position_id)
        .select_related("meeting", "candidate")
    )
    if nomination.pk:
        others = others.exclude(pk=nomination.pk)
    if nomination.superseded_by_id is None:
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
