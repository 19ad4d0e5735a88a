"""Settings of the members app, each with a default; override in settings.py."""

from datetime import timedelta

from django.conf import settings


def _get(name, default):
    return getattr(settings, name, default)


def join_min_seconds() -> float:
    """A person needs a few seconds to fill the form; a script does not."""
    return _get("MEMBERS_JOIN_MIN_SECONDS", 3)


def join_form_max_age() -> timedelta:
    """How long a join form stays valid after it was shown."""
    return _get("MEMBERS_JOIN_FORM_MAX_AGE", timedelta(days=1))


def confirm_link_max_age() -> timedelta:
    """How long the confirmation link in the first email works."""
    return _get("MEMBERS_CONFIRM_LINK_MAX_AGE", timedelta(days=7))


def manage_link_max_age() -> timedelta:
    """How long a manage-your-data link works (every email carries a fresh one)."""
    days = _get("RETENTION_DAYS", {}).get("signed_links", 90)
    return _get("MEMBERS_MANAGE_LINK_MAX_AGE", timedelta(days=days))


def unconfirmed_retention() -> timedelta:
    """How long an unconfirmed sign-up is kept before the retention task deletes it."""
    return timedelta(days=_get("RETENTION_DAYS", {}).get("unconfirmed_signups", 30))


def resend_interval() -> timedelta:
    """A second sign-up within this time (a double click) sends no second email."""
    return _get("MEMBERS_RESEND_INTERVAL", timedelta(minutes=2))


# Employers read their staff's work email: warn people who give such an address.
EMPLOYER_DOMAINS = (
    "gov.uk",
    "gsi.gov.uk",
    "gov.scot",
    "gov.wales",
    "nics.gov.uk",
    "mod.uk",
    "parliament.uk",
    "nhs.net",
    "police.uk",
)


def employer_domains() -> tuple[str, ...]:
    return tuple(_get("MEMBERS_EMPLOYER_DOMAINS", EMPLOYER_DOMAINS))


def is_employer_address(email: str) -> bool:
    """Whether the address is at an employer's domain (or a subdomain of one)."""
    domain = email.strip().rpartition("@")[2].lower().rstrip(".")
    return any(domain == d or domain.endswith("." + d) for d in employer_domains())
