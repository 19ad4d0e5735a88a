"""Signed personal links: confirm a sign-up, manage your data.

A token names the member and carries their current secret, signed with the
site's SECRET_KEY and a purpose-specific salt, with the time it was made. It
cannot be guessed or altered, expires, and stops working as soon as the
member's secret changes (or the member is erased).
"""

from datetime import timedelta

from django.core import signing
from django.utils.crypto import constant_time_compare

from members.models import Member

CONFIRM = "members.confirm"
MANAGE = "members.manage"


def make_token(member: Member, purpose: str) -> str:
    return signing.dumps([member.pk, member.secret], salt=purpose)


def read_token(token: str, purpose: str, *, max_age: timedelta) -> Member | None:
    """Return the member a valid token names, or None if tampered, expired or stale."""
    try:
        pk, secret = signing.loads(token, salt=purpose, max_age=max_age)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(pk, int) or not isinstance(secret, str):
        return None
    member = Member.objects.select_related("branch", "workplace").filter(pk=pk).first()
    if member is None or not constant_time_compare(member.secret, secret):
        return None
    return member
