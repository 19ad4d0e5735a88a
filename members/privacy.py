"""What personal data we hold, why, on what lawful basis, and for how long.

The one place this is written down: the public page at /privacy/ is rendered
from REGISTRY, and the retention periods come from the same settings the
retention task enforces, so the page and the practice cannot disagree.
"""

from dataclasses import dataclass

from django.conf import settings

CONTROLLER = "Rank and File, a rank-and-file faction of union members"
ART9_PARA31 = (
    "Article 9(2)(d) UK GDPR and the Data Protection Act 2018, Schedule 1, paragraph 31: "
    "processing by a not-for-profit body with a political or trade-union aim, of data "
    "about its members or people in regular contact with it, not disclosed outside "
    "the body without consent"
)


@dataclass(frozen=True)
class DataKind:
    key: str
    name: str
    items: tuple[str, ...]
    purpose: str
    lawful_basis: str
    special_category: str  # the Art. 9 condition, or "" when not special-category data
    retention: str
    who_sees: str


def _days(key: str, default: int) -> int:
    return getattr(settings, "RETENTION_DAYS", {}).get(key, default)


def registry() -> tuple[DataKind, ...]:
    """Return every kind of personal data we hold, in the order the page shows them."""
    unconfirmed = _days("unconfirmed_signups", 30)
    left = _days("left_members", 365)
    return (
        DataKind(
            key="contact",
            name="Contact details",
            items=("your name", "your email address", "your mobile number, if you give it"),
            purpose="To confirm your sign-up and to contact you as you agreed.",
            lawful_basis="Consent (Article 6(1)(a) UK GDPR), which you can withdraw at any time.",
            special_category="",
            retention=(
                f"Deleted {unconfirmed} days after you sign up if you never confirm your "
                f"email address; otherwise kept while you are a supporter, and deleted "
                f"{left} days after you leave, or at once when you erase your record."
            ),
            who_sees="National organisers, and organisers of your union group or region.",
        ),
        DataKind(
            key="union",
            name="Union membership",
            items=(
                "whether you are a union member",
                "your union group, branch and workplace",
                "your grade",
                "whether you are a union rep",
            ),
            purpose=(
                "To put you in touch with supporters in your branch and to organise for "
                "branch meetings, nominations and ballots."
            ),
            lawful_basis="Consent (Article 6(1)(a) UK GDPR).",
            special_category=ART9_PARA31,
            retention=(
                f"As for contact details: deleted {left} days after you leave, or on erasure."
            ),
            who_sees="National organisers, and organisers of your union group or region.",
        ),
        DataKind(
            key="faction",
            name="Support for the faction and campaign activity",
            items=(
                "that you support Rank and File (a political opinion)",
                "the consents you gave, the exact wording, and when you confirmed",
                "the internet address you confirmed from",
            ),
            purpose=(
                "To run the faction's campaigns and elections, and to prove that you "
                "agreed to be contacted."
            ),
            lawful_basis="Consent (Article 6(1)(a) UK GDPR).",
            special_category=ART9_PARA31,
            retention=(
                "As for contact details. A record that a consent was withdrawn is kept "
                "with it; on erasure everything is deleted and only an entry saying that "
                "a record was erased, with no personal data, stays in our audit log."
            ),
            who_sees="National organisers, and organisers of your union group or region.",
        ),
    )


RIGHTS = (
    "see and download everything we hold about you (JSON or CSV)",
    "correct your details",
    "withdraw either consent",
    "erase your record",
)
