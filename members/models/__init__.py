"""The union's structure, organisers' accounts, the people who join, their
consent, the audit trail and branch contacts' links."""

from members.models.accounts import User
from members.models.audit import AuditEvent
from members.models.broadcasts import Broadcast, BroadcastDelivery, Suppression
from members.models.consent import Consent, ConsentKind, ConsentWording
from members.models.contact_links import BranchContactLink, BranchContactLinkQuerySet
from members.models.people import Member, MemberQuerySet, _new_secret  # noqa: F401 (migration 0002)
from members.models.structure import Branch, BranchQuerySet, Group, Region, Workplace

__all__ = [
    "AuditEvent",
    "Branch",
    "BranchContactLink",
    "BranchContactLinkQuerySet",
    "BranchQuerySet",
    "Broadcast",
    "BroadcastDelivery",
    "Consent",
    "ConsentKind",
    "ConsentWording",
    "Group",
    "Member",
    "MemberQuerySet",
    "Region",
    "Suppression",
    "User",
    "Workplace",
]
