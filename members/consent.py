"""The exact words people agree to when they join, one version per change.

Changing a text means adding a new version here (never editing an old one):
each member's consent record points at the version they saw, stored in
members.ConsentWording the first time it is used.
"""

from django.db.models import Q

from members.models import ConsentKind, ConsentWording

WORDINGS = {
    ConsentKind.FACTION: {
        1: (
            "I agree that Rank and File may contact me by email and, if I gave one, by "
            "mobile about the faction's campaigns, meetings and elections. I understand "
            "this means Rank and File holds the fact that I support it and my union "
            "details, and that I can withdraw this consent at any time."
        ),
    },
    ConsentKind.BRANCH: {
        1: (
            "I also agree that Rank and File organisers in my union group or region may "
            "contact me about my branch: meetings, AGM nominations and ballots. I can "
            "withdraw this consent at any time without affecting the one above."
        ),
    },
}


def current_version(kind: str) -> int:
    return max(WORDINGS[kind])


def current_text(kind: str) -> str:
    return WORDINGS[kind][current_version(kind)]


def current_wordings(kinds) -> dict[str, ConsentWording]:
    """Return the stored rows of the current wordings of `kinds` (one query when they exist)."""
    wanted = {kind: current_version(kind) for kind in kinds}
    if not wanted:
        return {}
    match = Q()
    for kind, version in wanted.items():
        match |= Q(kind=kind, version=version)
    found = {w.kind: w for w in ConsentWording.objects.filter(match)}
    for kind in wanted.keys() - found.keys():
        found[kind] = current_wording(kind)
    for kind, wording in found.items():
        if wording.text != WORDINGS[kind][wanted[kind]]:
            raise RuntimeError(
                f"Consent wording {kind} v{wanted[kind]} was changed after use: add a new version."
            )
    return found


def current_wording(kind: str) -> ConsentWording:
    """Return the stored row for the current wording of `kind`, creating it once."""
    version = current_version(kind)
    wording, _ = ConsentWording.objects.get_or_create(
        kind=kind, version=version, defaults={"text": WORDINGS[kind][version]}
    )
    if wording.text != WORDINGS[kind][version]:
        raise RuntimeError(
            f"Consent wording {kind} v{version} was changed after use: add a new version."
        )
    return wording
