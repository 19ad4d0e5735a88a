"""A member's own data, all of it, for their download (the right of access)."""

from core.registry import declared
from members.models import BranchContactLink, Member


def _from_apps(member: Member) -> dict:
    """The sections every app adds for this member (``AppConfig.personal_data``)."""
    data = {}
    for _, provide in declared("personal_data"):
        data.update(provide(member))
    return data


def _contact_links(member: Member) -> list[dict]:
    """Branch contact links made out to the member's email address, and their reports.

    A branch contact is not linked to a member record, only by the address the
    link was sent to; the member has proved that address, so it is theirs.
    """
    links = list(
        BranchContactLink.objects.filter(email__iexact=member.email)
        .select_related("branch")
        .order_by("created_at", "pk")
    )
    # Each app's part for all the links at once (one query an app, not one a link).
    extra = {link.pk: {} for link in links}
    for _, provide in declared("contact_links_data"):
        for pk, data in provide(links).items():
            extra[pk].update(data)
    return [
        {
            "branch": str(link.branch),
            "name": link.contact_name,
            "email": link.email,
            "created_at": link.created_at.isoformat(),
            "expires_at": link.expires_at.isoformat(),
            "revoked_at": link.revoked_at.isoformat() if link.revoked_at else None,
            "last_used_at": link.last_used_at.isoformat() if link.last_used_at else None,
            **extra[link.pk],  # e.g. the reports made through it
        }
        for link in links
    ]


def member_data(member: Member) -> dict:
    """Everything we hold about one member, for their download.

    Besides the member record and its consents: what the other apps hold
    about them (``AppConfig.personal_data``, e.g. the branch meetings they are
    named to move our nominations at), and any branch contact links sent to
    their email address.
    """
    consents = member.consents.select_related("wording").order_by("given_at")
    return {
        "name": member.name,
        "email": member.email,
        "mobile": member.mobile,
        "group": member.group.name if member.group else "",
        "branch": str(member.branch) if member.branch else "",
        "branch_not_listed": member.branch_not_listed,
        "workplace": str(member.workplace) if member.workplace else "",
        "workplace_not_listed": member.workplace_not_listed,
        "grade": member.get_grade_display() if member.grade else "",
        "union_rep": member.is_rep,
        "union_member": member.is_union_member,
        "status": member.get_status_display(),
        "joined_at": member.created_at.isoformat(),
        "confirmed_at": member.confirmed_at.isoformat() if member.confirmed_at else None,
        "confirmed_from": member.confirmed_ip,
        "updated_at": member.updated_at.isoformat(),
        "consents": [
            {
                "kind": c.get_kind_display(),
                "wording_version": c.wording.version,
                "wording": c.wording.text,
                "given_at": c.given_at.isoformat(),
                "source": c.source,
                "withdrawn_at": c.withdrawn_at.isoformat() if c.withdrawn_at else None,
                "withdrawn_through": c.withdrawn_source,
            }
            for c in consents
        ],
        **_from_apps(member),
        "branch_contact_links": _contact_links(member),
    }
