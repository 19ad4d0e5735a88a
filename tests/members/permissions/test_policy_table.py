"""The policy at a glance: who gets which answer from which admin page.

Each organiser holds only their role's permissions (members migration 0006), as
in production; "own" is an object in their world, "other" one in the world
outside their scope that shares half of it (``worlds.outside``), "shared" a
bargaining unit with one branch in each. The reflective walk of every admin
with every permission is ``test_scope_matrix.py``; this table is what a reader
checks first.
"""

import pytest
from django.contrib import admin
from django.urls import reverse

from members.admin.third_party import THIRD_PARTY
from tests.factories import BranchContactLinkFactory, MemberFactory
from tests.members.permissions.matrix import OUR_APPS
from tests.members.permissions.worlds import content, organiser, outside
from tests.two_factor import verified_login

pytestmark = [pytest.mark.usefixtures("two_factor_on"), pytest.mark.django_db]

# fmt: off
POLICY = [
    # role        admin page                                       object   status
    ("anonymous", "members_member_changelist",                      None,    302),
    ("anonymous", "otp_totp_totpdevice_changelist",                 None,    302),
    ("editor",    "members_member_changelist",                      None,    403),
    ("editor",    "campaign_election_changelist",                   None,    403),
    ("editor",    "articles_article_changelist",                    None,    200),
    ("group",     "articles_article_changelist",                    None,    403),
    ("group",     "members_member_changelist",                      None,    200),
    ("group",     "members_member_change",                          "own",   200),
    ("group",     "members_member_change",                          "other", 404),
    ("group",     "members_member_history",                         "other", 404),
    ("group",     "members_member_delete",                          "other", 404),
    ("group",     "members_branchcontactlink_change",               "other", 404),
    ("group",     "campaign_election_change",                       "own",   200),
    ("group",     "campaign_election_change",                       "other", 404),
    ("group",     "campaign_election_board",                        "other", 404),
    ("group",     "ballots_bargainingunit_change",                  "own",   200),
    ("group",     "ballots_bargainingunit_delete",                  "other", 404),
    ("regional",  "members_member_change",                          "own",   200),
    ("regional",  "members_member_change",                          "other", 404),
    ("regional",  "members_member_delete",                          "other", 404),
    ("regional",  "campaign_election_change",                       "own",   404),  # group-wide
    ("regional",  "ballots_bargainingunit_change",                  "shared", 200),  # read only
    ("regional",  "ballots_bargainingunit_delete",                  "shared", 403),
    ("group",     "members_branch_change",                          "own",   200),  # read only
    ("group",     "members_branch_delete",                          "own",   403),
    ("group",     "members_auditevent_changelist",                  None,    403),
    ("group",     "members_user_changelist",                        None,    403),
    ("national",  "members_auditevent_changelist",                  None,    200),
    ("national",  "members_member_change",                          "other", 200),
    ("national",  "campaign_election_board",                        "other", 200),
    ("group",     "auth_group_changelist",                          None,    403),
    ("group",     "otp_totp_totpdevice_changelist",                 None,    403),
    ("regional",  "otp_static_staticdevice_changelist",             None,    403),
    ("regional",  "axes_accessattempt_changelist",                  None,    403),
    ("group",     "django_tasks_database_dbtaskresult_changelist",  None,    403),
]
# fmt: on


def _objects(world, other):
    """The object each row's page takes, built on demand for the row's model."""
    from tests.ballots.factories import BargainingUnitFactory, UnitBranchFactory
    from tests.campaign.factories import ElectionFactory

    def unit(*worlds):
        made = BargainingUnitFactory(group=worlds[0].group)
        for w in worlds:
            UnitBranchFactory(unit=made, branch=w.branch)
        return made

    return {
        "member": lambda w: MemberFactory(branch=w.branch),
        "branch": lambda w: w.branch,
        "branchcontactlink": lambda w: BranchContactLinkFactory(branch=w.branch),
        "election": lambda w: ElectionFactory(group=w.group),
        "bargainingunit": unit,
        "shared": lambda: unit(world, other),
    }


@pytest.mark.parametrize(
    ("role", "name", "which", "status"), POLICY, ids=[f"{r}:{n}:{o}" for r, n, o, _ in POLICY]
)
def test_policy(client, worlds, role, name, which, status):
    a = worlds[0]
    other = outside(role if role != "anonymous" else "editor", a)
    args = []
    if which is not None:
        model = name.split("_")[1]
        build = _objects(a, other)
        obj = (
            build["shared"]() if which == "shared" else build[model](a if which == "own" else other)
        )
        args = [obj.pk]
    if role != "anonymous":
        verified_login(client, organiser(role, a, every_permission=False))
    response = client.get(reverse(f"admin:{name}", args=args))
    assert response.status_code == status
    if which == "shared" and status == 200:
        # Read only, and the other world's branch is not named on it.
        body = content(response)
        assert 'name="_save"' not in body
        assert other.branch.code not in body


def test_every_admin_from_another_package_is_national_only():
    """A new package's admin on the organiser site needs a decision here."""
    registered = {m._meta.label_lower for m in admin.site._registry}
    assert {label for label in registered if label.split(".")[0] not in OUR_APPS} == set(
        THIRD_PARTY
    )


@pytest.mark.parametrize("label", THIRD_PARTY)
@pytest.mark.parametrize("role", ["group", "regional", "editor"])
def test_other_packages_admins_refuse_every_other_role_holding_every_permission(
    client, worlds, role, label
):
    """Two-factor secrets, login records, task rows with members' addresses and the
    roles' permission groups: 403 for anyone but a national organiser, even with
    every permission given by hand."""
    a = worlds[0]
    user = organiser(role, a)
    verified_login(client, user)  # makes a TOTP device: there is one to open
    app_label, model = label.split(".")
    registry = {m._meta.label_lower: m for m in admin.site._registry}
    obj = registry[label].objects.order_by("pk").first()
    assert client.get(reverse(f"admin:{app_label}_{model}_changelist")).status_code == 403
    assert client.get(reverse(f"admin:{app_label}_{model}_add")).status_code == 403
    if obj is not None:
        change = client.get(reverse(f"admin:{app_label}_{model}_change", args=[obj.pk]))
        assert change.status_code in (403, 404)
    national = organiser("national", a)
    national.is_superuser = True
    national.save()
    client.force_login(national)
    verified_login(client, national)
    assert client.get(reverse(f"admin:{app_label}_{model}_changelist")).status_code == 200
