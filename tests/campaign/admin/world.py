"""The campaign admin tests' world: two groups, a national and two group elections,
meetings and nominations counted by hand."""

import datetime

from campaign.models import Nomination, NominationReport
from members.models import User
from tests.campaign.factories import (
    CandidateFactory,
    ElectionFactory,
    MeetingFactory,
    PositionFactory,
)
from tests.factories import BranchFactory, GroupFactory, RegionFactory, UserFactory

TODAY = datetime.date(2027, 2, 20)
NOW = datetime.datetime(2027, 2, 20, 12, tzinfo=datetime.UTC)


def build_world() -> dict:
    """A hand-counted fixture: two groups, a national and a group election."""
    dwp, hmrc = GroupFactory(code="dwp", name="DWP"), GroupFactory(code="hmrc", name="HMRC")
    region = RegionFactory()
    b = {
        code: BranchFactory(code=code, group=dwp, region=region)
        for code in ["D1", "D2", "D3", "D4"]
    }
    b["H1"] = BranchFactory(code="H1", group=hmrc, region=region)
    nec = ElectionFactory(name="NEC 2027", slug="nec-2027", nominations_needed=2)
    gec = ElectionFactory(name="DWP GEC 2027", slug="dwp-gec", group=dwp)
    hgec = ElectionFactory(name="HMRC GEC 2027", slug="hmrc-gec", group=hmrc)
    pres = PositionFactory(election=nec, title="President", seats=1)
    vps = PositionFactory(election=nec, title="Vice President", seats=2)
    ann = CandidateFactory(position=pres, name="Ann")
    bob = CandidateFactory(position=vps, name="Bob")
    cat = CandidateFactory(position=vps, name="Cat")
    national = UserFactory(username="nat", role=User.Role.NATIONAL)
    organiser = UserFactory(username="dwp-org", role=User.Role.GROUP, group=dwp)
    m = {
        "D1": MeetingFactory(branch=b["D1"], date=datetime.date(2027, 1, 20)),
        "D2": MeetingFactory(branch=b["D2"], date=datetime.date(2027, 2, 1)),
        "D3": MeetingFactory(
            branch=b["D3"], date=datetime.date(2027, 3, 1), our_nominations_moved=True
        ),
        "H1": MeetingFactory(branch=b["H1"], date=datetime.date(2027, 2, 5)),
    }

    def nominate(meeting, candidate=None, other="", verified=False):
        return Nomination.objects.create(
            meeting=meeting,
            position=candidate.position if candidate else vps,
            candidate=candidate,
            other_name=other,
            verified_by=national if verified else None,
            verified_at=NOW if verified else None,
        )

    # D1: Ann and Bob, verified. D2: another faction only. H1: Ann unverified, Bob verified.
    nominate(m["D1"], ann, verified=True)
    nominate(m["D1"], bob, verified=True)
    nominate(m["D2"], other="Someone Else")
    nominate(m["H1"], ann)
    nominate(m["H1"], bob, verified=True)
    # A superseded nomination never counts.
    report = NominationReport.objects.create(
        meeting=m["D2"], election=nec, version=1, source="contact", reported_by="x"
    )
    old = nominate(m["D2"], cat, verified=True)
    Nomination.objects.filter(pk=old.pk).update(superseded_by=report)
    return locals()
