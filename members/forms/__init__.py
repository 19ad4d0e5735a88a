"""The members app's forms: your details (the manage page), joining, and the
organisers' branch-contact links. Import them from here: ``from members.forms import JoinForm``."""

from members.forms.contacts import ContactLinkForm
from members.forms.details import (
    MOBILE_RE,
    BranchSelect,
    DetailsForm,
    Normalised,
    Structure,
    structure_choices,
)
from members.forms.join import (
    STARTED_SALT,
    JoinForm,
    read_started,
    shown_versions,
    started_token,
)

__all__ = [
    "MOBILE_RE",
    "STARTED_SALT",
    "BranchSelect",
    "ContactLinkForm",
    "DetailsForm",
    "JoinForm",
    "Normalised",
    "Structure",
    "read_started",
    "shown_versions",
    "started_token",
    "structure_choices",
]
