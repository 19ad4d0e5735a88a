"""Ballot readiness, the legal clock and turnout while a ballot runs.

The law is data (LegalRule rows with the dates they apply from), never a
constant in code: see ballots/rules.py for how a rule is chosen for a date.

One module per subject; every model is importable from here, as before:
``from ballots.models import Ballot``.
"""

from ballots.models.ballots import ActionDate, Ballot, BallotQuerySet, BallotUnit
from ballots.models.figures import EnteredFigures, Source, format_count
from ballots.models.petitions import Petition, PetitionQuerySet, PetitionSignature
from ballots.models.pledges import VotePledge
from ballots.models.readiness import BranchReadiness, ReadinessThreshold
from ballots.models.rules import LegalRule
from ballots.models.structure_tests import (
    StructureTest,
    StructureTestProgress,
    StructureTestQuerySet,
)
from ballots.models.turnout import TurnoutReturn
from ballots.models.units import BargainingUnit, BargainingUnitQuerySet, UnitBranch

__all__ = [
    "ActionDate",
    "Ballot",
    "BallotQuerySet",
    "BallotUnit",
    "BargainingUnit",
    "BargainingUnitQuerySet",
    "BranchReadiness",
    "EnteredFigures",
    "LegalRule",
    "Petition",
    "PetitionQuerySet",
    "PetitionSignature",
    "ReadinessThreshold",
    "Source",
    "StructureTest",
    "StructureTestProgress",
    "StructureTestQuerySet",
    "TurnoutReturn",
    "UnitBranch",
    "VotePledge",
    "format_count",
]
