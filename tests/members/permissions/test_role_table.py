"""Each role's permissions, as a table anyone can read, and what the admin does with them.

The policy (README, "Who sees what"): an admin page needs the Django model
permission (403 without it, in scope or not) AND its objects in the organiser's
scope (404 outside it). Each role's permissions are those of its auth group,
made by members migration 0006; changing a role's rights means changing this
table and adding a data migration. The scope half is the matrix in
``test_scope_matrix.py``.

Letters: v view, a add, c change, d delete; - none.
"""

import pytest
from django.apps import apps
from django.contrib.auth.models import Group as AuthGroup
from django.contrib.auth.models import Permission
from django.urls import reverse

from members.models import User
from tests.factories import BranchContactLinkFactory, MemberFactory, UserFactory
from tests.members.factories import BroadcastFactory
from tests.members.permissions.worlds import ROLES, organiser

pytestmark = pytest.mark.django_db

# fmt: off
ROLE_TABLE = [
    # model                          national  group   regional  editor
    ("articles.article",              "-",     "-",     "-",     "vacd"),
    ("articles.attachment",           "-",     "-",     "-",     "vacd"),
    ("articles.author",               "-",     "-",     "-",     "vacd"),
    ("articles.correction",           "-",     "-",     "-",     "vacd"),
    ("articles.deletion",             "-",     "-",     "-",     "vacd"),
    ("articles.previewlink",          "-",     "-",     "-",     "vacd"),
    ("articles.redirect",             "-",     "-",     "-",     "vacd"),
    ("articles.revision",             "-",     "-",     "-",     "vacd"),
    ("articles.tag",                  "-",     "-",     "-",     "vacd"),
    ("ballots.actiondate",            "vacd",  "vacd",  "vacd",  "-"),
    ("ballots.ballot",                "vacd",  "vacd",  "vacd",  "-"),
    ("ballots.ballotunit",            "vacd",  "vacd",  "vacd",  "-"),
    ("ballots.bargainingunit",        "vacd",  "vacd",  "v",     "-"),
    ("ballots.branchreadiness",       "vacd",  "vacd",  "vacd",  "-"),
    ("ballots.legalrule",             "vacd",  "v",     "v",     "-"),
    ("ballots.petition",              "vacd",  "v",     "v",     "-"),
    ("ballots.petitionsignature",     "vacd",  "v",     "v",     "-"),
    ("ballots.readinessthreshold",    "vacd",  "v",     "v",     "-"),
    ("ballots.structuretest",         "vacd",  "vacd",  "vacd",  "-"),
    ("ballots.structuretestprogress", "vacd",  "vacd",  "vacd",  "-"),
    ("ballots.turnoutreturn",         "vacd",  "vacd",  "vacd",  "-"),
    ("ballots.unitbranch",            "vacd",  "vacd",  "v",     "-"),
    ("ballots.votepledge",            "vacd",  "v",     "v",     "-"),
    ("campaign.branchmeeting",        "vacd",  "vacd",  "vacd",  "-"),
    ("campaign.calendarfeed",         "-",     "-",     "-",     "-"),
    ("campaign.candidate",            "vacd",  "vacd",  "vacd",  "-"),
    ("campaign.contactevent",         "-",     "-",     "-",     "-"),
    ("campaign.election",             "vacd",  "vacd",  "vacd",  "-"),
    ("campaign.electionredirect",     "-",     "-",     "-",     "-"),
    ("campaign.event",                "vacd",  "vacd",  "vacd",  "-"),
    ("campaign.eventrsvp",            "vacd",  "vacd",  "vacd",  "-"),
    ("campaign.nomination",           "vacd",  "vacd",  "vacd",  "-"),
    ("campaign.nominationreport",     "vacd",  "v",     "v",     "-"),
    ("campaign.noticerule",           "vacd",  "v",     "v",     "-"),
    ("campaign.position",             "vacd",  "vacd",  "vacd",  "-"),
    ("campaign.reminder",             "-",     "-",     "-",     "-"),
    ("campaign.reservedseatrule",     "vacd",  "vacd",  "vacd",  "-"),
    ("members.auditevent",            "vacd",  "-",     "-",     "-"),
    ("members.branch",                "vacd",  "v",     "v",     "-"),
    ("members.broadcast",             "vacd",  "vacd",  "vacd",  "-"),
    ("members.broadcastdelivery",     "vacd",  "-",     "-",     "-"),
    ("members.branchcontactlink",     "vacd",  "vacd",  "vacd",  "-"),
    ("members.consent",               "vacd",  "v",     "v",     "-"),
    ("members.consentwording",        "vacd",  "v",     "v",     "-"),
    ("members.group",                 "vacd",  "v",     "v",     "-"),
    ("members.member",                "vacd",  "vacd",  "vacd",  "-"),
    ("members.region",                "vacd",  "v",     "v",     "-"),
    ("members.suppression",           "vacd",  "-",     "-",     "-"),
    ("members.user",                  "vacd",  "-",     "-",     "-"),
    ("members.workplace",             "vacd",  "v",     "v",     "-"),
]
# fmt: on
ACTIONS = {"v": "view", "a": "add", "c": "change", "d": "delete"}


def table_permissions(role: str) -> set[str]:
    """The permissions the table gives `role`, as "app_label.codename"."""
    column = ROLES.index(role)
    found = set()
    for label, *rights in ROLE_TABLE:
        app_label, model = label.split(".")
        found |= {f"{app_label}.{ACTIONS[r]}_{model}" for r in rights[column] if r != "-"}
    return found


def test_the_table_has_a_row_for_every_model():
    """A new model needs a decision for each role (and a migration giving it)."""
    models = {
        m._meta.label_lower
        for app in ("articles", "ballots", "campaign", "members")
        for m in apps.get_app_config(app).get_models()
    }
    assert sorted(row[0] for row in ROLE_TABLE) == sorted(models)


@pytest.mark.parametrize("role", ROLES)
def test_each_roles_group_holds_exactly_its_column(role):
    group = AuthGroup.objects.get(name=User.ROLE_GROUPS[role])
    held = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in group.permissions.select_related("content_type")
    }
    assert held == table_permissions(role)


@pytest.mark.parametrize("role", ROLES)
def test_an_organiser_holds_their_roles_permissions_and_no_more(worlds, role):
    user = organiser(role, worlds[0], every_permission=False)
    assert user.get_all_permissions() == table_permissions(role)


# Each page and the permission it needs -------------------------------------------
#
# (permission, admin URL name, the object the URL takes, or None), as pretix's
# src/tests/control/test_permissions.py does for its control panel. A group
# organiser's group without that permission: 403, even for their own group's
# object. With it: 200 for their own, 404 for another group's.

# fmt: off
PAGES = [
    ("members.view_member",            "members_member_changelist",          None),
    ("members.view_member",            "members_member_change",              "member"),
    ("members.view_member",            "members_member_export",              None),
    ("members.view_branch",            "members_branch_change",              "branch"),
    ("members.view_broadcast",         "members_broadcast_change",           "broadcast"),
    ("members.view_broadcast",         "members_broadcast_review",           "broadcast"),
    ("members.view_broadcast",         "members_broadcast_progress",         "broadcast"),
    ("members.add_branchcontactlink",  "members_branchcontactlink_add",      None),
    ("members.view_branchcontactlink", "members_branchcontactlink_change",   "link"),
    ("campaign.view_election",         "campaign_election_change",           "election"),
    ("campaign.view_election",         "campaign_election_board",            "election"),
    ("campaign.view_election",         "campaign_election_board_csv",        "election"),
    ("campaign.view_election",         "campaign_election_chase",            "election"),
    ("members.view_branchcontactlink", "campaign_election_chase",            "election"),
    ("members.view_branchcontactlink", "campaign_election_chase_csv",        "election"),
    ("members.add_branchcontactlink",  "campaign_election_bulk_links",       "election"),
    ("campaign.view_noticerule",       "campaign_noticerule_changelist",     None),
    ("campaign.add_branchmeeting",     "campaign_branchmeeting_import",      None),
    ("campaign.view_branchmeeting",    "campaign_branchmeeting_change",      "meeting"),
    ("campaign.change_branchmeeting",  "campaign_branchmeeting_result",      "meeting"),
    ("campaign.view_event",            "campaign_event_change",              "event"),
    ("campaign.view_eventrsvp",        "campaign_event_attendees",           "event"),
    ("campaign.view_eventrsvp",        "campaign_event_attendees_csv",       "event"),
    ("campaign.view_nomination",       "campaign_nomination_changelist",     None),
    ("ballots.view_ballot",            "ballots_ballot_dashboard",           "ballot"),
    ("ballots.view_ballot",            "ballots_ballot_change",              "ballot"),
    ("ballots.add_turnoutreturn",      "ballots_turnout_grid",               "ballot"),
    ("ballots.add_turnoutreturn",      "ballots_turnout_import",             None),
    ("ballots.view_bargainingunit",    "ballots_bargainingunit_change",      "unit"),
    ("ballots.view_branchreadiness",   "ballots_branchreadiness_change",     "readiness"),
    ("ballots.view_branchreadiness",   "ballots_readiness_overview",         None),
    ("ballots.add_branchreadiness",    "ballots_readiness_grid",             None),
    ("ballots.add_branchreadiness",    "ballots_readiness_import",           None),
]
# fmt: on
PAGE_IDS = [name for _, name, _ in PAGES]


def _objects(world) -> dict:
    """One object of each kind the pages take, wholly in `world`."""
    from tests.ballots.factories import (
        BallotFactory,
        BallotUnitFactory,
        BargainingUnitFactory,
        BranchReadinessFactory,
        UnitBranchFactory,
    )
    from tests.campaign.factories import ElectionFactory, EventFactory, MeetingFactory

    unit = BargainingUnitFactory(group=world.group)
    UnitBranchFactory(unit=unit, branch=world.branch)
    ballot = BallotFactory()
    BallotUnitFactory(ballot=ballot, unit=unit)
    return {
        "branch": world.branch,
        "member": MemberFactory(branch=world.branch),
        "link": BranchContactLinkFactory(branch=world.branch),
        "broadcast": BroadcastFactory(scope_group=world.group),
        "election": ElectionFactory(group=world.group),
        "meeting": MeetingFactory(branch=world.branch),
        "event": EventFactory(branch=world.branch),
        "ballot": ballot,
        "unit": unit,
        "readiness": BranchReadinessFactory(branch=world.branch),
    }


@pytest.fixture
def objects(worlds):
    return {"own": _objects(worlds[0]), "other": _objects(worlds[1])}


def _url(name, objects, key):
    return reverse(f"admin:{name}", args=[objects[key].pk] if key else [])


def _take_away(role, permission):
    """Take `permission` from the role's group; from a view permission, the change
    permission too (Django's admin lets "change" stand in for "view")."""
    app_label, codename = permission.split(".")
    codenames = {codename}
    if codename.startswith("view_"):
        codenames.add(codename.replace("view_", "change_", 1))
    group = AuthGroup.objects.get(name=User.ROLE_GROUPS[role])
    group.permissions.remove(
        *Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
    )


@pytest.mark.parametrize(("permission", "name", "key"), PAGES, ids=PAGE_IDS)
def test_without_the_permission_a_page_is_refused_even_in_scope(
    client, worlds, objects, permission, name, key
):
    client.force_login(organiser("group", worlds[0], every_permission=False))
    _take_away("group", permission)
    assert client.get(_url(name, objects["own"], key)).status_code == 403


@pytest.mark.parametrize(("permission", "name", "key"), PAGES, ids=PAGE_IDS)
def test_with_the_permission_own_objects_open_and_others_are_404(
    client, worlds, objects, permission, name, key
):
    user = organiser("group", worlds[0], every_permission=False)
    assert user.has_perm(permission)
    client.force_login(user)
    assert client.get(_url(name, objects["own"], key)).status_code == 200
    if key is not None:
        assert client.get(_url(name, objects["other"], key)).status_code == 404


NATIONAL_ONLY = ["members_user_changelist", "members_auditevent_changelist"]


@pytest.mark.parametrize("name", NATIONAL_ONLY)
@pytest.mark.parametrize("role", ROLES)
def test_accounts_roles_and_the_audit_trail_are_for_national_organisers(client, worlds, role, name):
    """Even holding every permission, only a national scope opens them."""
    client.force_login(organiser(role, worlds[0], every_permission=True))
    expected = 200 if role == "national" else 403
    assert client.get(reverse(f"admin:{name}")).status_code == expected


@pytest.mark.parametrize(
    "name",
    [
        "members_member_changelist",
        "members_user_changelist",
        "ballots_readiness_overview",
        "campaign_noticerule_add",
        "articles_article_changelist",
    ],
)
def test_a_superuser_keeps_everything_in_no_group(client, name):
    user = UserFactory(role=User.Role.EDITOR, is_superuser=True)
    user.groups.clear()
    client.force_login(user)
    assert client.get(reverse(f"admin:{name}")).status_code == 200
