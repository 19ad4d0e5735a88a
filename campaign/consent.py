"""The exact words people agree to when they reply to an event, one version per change.

As with joining (members/consent.py): never edit a version once used, add a
new one; each reply records the version its form showed.
"""

WORDINGS = {
    1: (
        "I agree that Rank and File may hold my name, email address and that I am coming "
        "to this event (which shows I support the faction), to email me about this event "
        "only, and that the organisers of the host branch's group or region see it. I can "
        "cancel at any time through the link in the email."
    ),
}


def current_version() -> int:
    return max(WORDINGS)


def current_text() -> str:
    return WORDINGS[current_version()]
