"""The members app's part of the organiser home (core.todo): sign-ups to review and
branch-contact links sent but never opened. Two queries whatever the numbers."""

import datetime
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from core.todo import TodoItem, first_rows, with_more
from members.models import BranchContactLink, Member
from members.scoping import scope_for

UNUSED_AFTER_DAYS = 3  # a link not opened this long after it went is worth a chase


def _changelist(name: str, **filters) -> str:
    return f"{reverse(f'admin:members_{name}_changelist')}?{urlencode(filters)}"


def sign_ups(user) -> list[TodoItem]:
    counts = Member.objects.visible_to(user).aggregate(
        confirmed=Count("pk", filter=Q(status=Member.Status.CONFIRMED)),
        pending=Count("pk", filter=Q(status=Member.Status.PENDING)),
    )
    items = []
    if counts["confirmed"]:
        n = counts["confirmed"]
        items.append(
            TodoItem(
                section="Sign-ups",
                text=f"{n} sign-up{'s' if n != 1 else ''} confirmed their email and wait "
                "for you to welcome them",
                url=_changelist("member", status__exact=Member.Status.CONFIRMED),
            )
        )
    if counts["pending"]:
        n = counts["pending"]
        items.append(
            TodoItem(
                section="Sign-ups",
                text=f"{n} sign-up{'s' if n != 1 else ''} not confirmed by email yet",
                url=_changelist("member", status__exact=Member.Status.PENDING),
            )
        )
    return items


def unused_links(user, now: datetime.datetime) -> list[TodoItem]:
    links = (
        scope_links(user)
        .live(now)
        .filter(
            last_used_at__isnull=True,
            created_at__lte=now - datetime.timedelta(days=UNUSED_AFTER_DAYS),
        )
        .select_related("branch")
        .order_by("created_at", "pk")
    )
    rows, more = first_rows(links)
    items = [
        TodoItem(
            section="Links sent but not opened",
            text=f"{link.branch.code} {link.branch.name}: {link.contact_name}, "
            f"sent {link.created_at:%-d %b}",
            url=reverse("admin:members_branchcontactlink_change", args=[link.pk]),
        )
        for link in rows
    ]
    return with_more(
        items,
        more,
        section="Links sent but not opened",
        noun="link",
        url=_changelist(
            "branchcontactlink", last_used_at__isnull="True", revoked_at__isnull="True"
        ),
    )


def scope_links(user):
    return scope_for(user).filter(BranchContactLink.objects.all(), branch_path="branch")


def organiser_todo(user, today: datetime.date) -> list[TodoItem]:
    """The members app's items for this organiser (none without the permissions)."""
    items = []
    if user.has_perm("members.view_member"):
        items += sign_ups(user)
    if user.has_perm("members.view_branchcontactlink"):
        items += unused_links(user, timezone.now())
    return items
