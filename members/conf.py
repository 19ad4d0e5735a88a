"""The members app's settings (their values and the reasons for them are in config/settings.py)."""

from datetime import timedelta

from django.conf import settings


def join_min_seconds() -> float:
    return settings.MEMBERS_JOIN_MIN_SECONDS


def join_form_max_age() -> timedelta:
    return settings.MEMBERS_JOIN_FORM_MAX_AGE


def confirm_link_max_age() -> timedelta:
    return settings.MEMBERS_CONFIRM_LINK_MAX_AGE


def manage_link_max_age() -> timedelta:
    return settings.MEMBERS_MANAGE_LINK_MAX_AGE


def unconfirmed_retention() -> timedelta:
    """How long an unconfirmed sign-up is kept before the retention task deletes it."""
    return timedelta(days=settings.RETENTION_DAYS["unconfirmed_signups"])


def resend_interval() -> timedelta:
    return settings.MEMBERS_RESEND_INTERVAL


def is_employer_address(email: str) -> bool:
    """Whether the address is at an employer's domain (or a subdomain of one)."""
    domain = email.strip().rpartition("@")[2].lower().rstrip(".")
    return any(domain == d or domain.endswith("." + d) for d in settings.MEMBERS_EMPLOYER_DOMAINS)
