"""What personal data we hold, why, on what lawful basis, and for how long.

The one place this is written down: the public page at /privacy/ is rendered
from REGISTRY, and the retention periods come from the same settings the
retention task enforces, so the page and the practice cannot disagree.
"""

from dataclasses import dataclass

from django.conf import settings

CONTROLLER = "Rank and File, a rank-and-file faction of union members"
ART9_PARA31 = (
    "Article 9(2)(d) UK GDPR and the Data Protection Act 2018, Schedule 1, paragraph 31: "
    "processing by a not-for-profit body with a political or trade-union aim, of data "
    "about its members or people in regular contact with it, not disclosed outside "
    "the body without consent"
)


@dataclass(frozen=True)
class DataKind:
    key: str
    name: str
    about: str  # whose data it is: "people who join", "our candidates", ...
    items: tuple[str, ...]
    purpose: str
    lawful_basis: str
    special_category: str  # the Art. 9 condition, or "" when not special-category data
    retention: str
    who_sees: str


ART9_EXPLICIT_CONSENT = "Article 9(2)(a) UK GDPR: your explicit consent"
ART9_MADE_PUBLIC = (
    "Article 9(2)(e) UK GDPR: data the person has manifestly made public, here by "
    "standing in a union election whose nominations the union publishes"
)
JOINERS = "People who join"
ORGANISERS_SEE = "National organisers, and organisers of your union group or region."


def _days(key: str) -> int:
    return settings.RETENTION_DAYS[key]


def registry() -> tuple[DataKind, ...]:
    """Return every kind of personal data we hold, in the order the page shows them."""
    unconfirmed = _days("unconfirmed_signups")
    left = _days("left_members")
    links = _days("signed_links")
    audit = _days("audit_events")
    logins = _days("login_records")
    return (
        DataKind(
            key="contact",
            name="Contact details",
            about=JOINERS,
            items=("your name", "your email address", "your mobile number, if you give it"),
            purpose="To confirm your sign-up and to contact you as you agreed.",
            lawful_basis="Consent (Article 6(1)(a) UK GDPR), which you can withdraw at any time.",
            special_category="",
            retention=(
                f"Deleted {unconfirmed} days after you sign up if you never confirm your "
                f"email address; otherwise kept while you are a supporter, and deleted "
                f"{left} days after you leave, or at once when you erase your record."
            ),
            who_sees=ORGANISERS_SEE,
        ),
        DataKind(
            key="union",
            name="Union membership",
            about=JOINERS,
            items=(
                "whether you are a union member",
                "your union group, branch and workplace",
                "your grade",
                "whether you are a union rep",
            ),
            purpose=(
                "To put you in touch with supporters in your branch and to organise for "
                "branch meetings, nominations and ballots."
            ),
            lawful_basis="Consent (Article 6(1)(a) UK GDPR).",
            special_category=ART9_PARA31,
            retention=(
                f"As for contact details: deleted {left} days after you leave, or on erasure."
            ),
            who_sees=ORGANISERS_SEE,
        ),
        DataKind(
            key="faction",
            name="Support for the faction and campaign activity",
            about=JOINERS,
            items=(
                "that you support Rank and File (a political opinion)",
                "the consents you gave, the exact wording, and when you confirmed",
                "the internet address you confirmed from",
            ),
            purpose=(
                "To run the faction's campaigns and elections, and to prove that you "
                "agreed to be contacted."
            ),
            lawful_basis="Consent (Article 6(1)(a) UK GDPR).",
            special_category=ART9_PARA31,
            retention=(
                "As for contact details. A record that a consent was withdrawn is kept "
                "with it; on erasure everything is deleted and only an entry saying that "
                "a record was erased, with no personal data, stays in our audit log."
            ),
            who_sees=ORGANISERS_SEE,
        ),
        DataKind(
            key="broadcasts",
            name="Emails we send you",
            about=JOINERS,
            items=(
                "which of our emails to members were sent to you, when, and what your mail "
                "server answered",
                "your email address on our list of addresses not to email, if your mail "
                "server refused our email for good",
            ),
            purpose=(
                "To send each email once, only while you consent, and to stop emailing an "
                "address that does not work. We do not record whether you open our emails "
                "or click their links."
            ),
            lawful_basis=(
                "Consent (Article 6(1)(a) UK GDPR); every email has a link to withdraw it."
            ),
            special_category=ART9_PARA31,
            retention=(
                f"Which email went to you is deleted {_days('broadcast_deliveries')} days after "
                "the email was sent (we keep only the numbers sent); an address that did not "
                "work is kept until you erase your record."
            ),
            who_sees=ORGANISERS_SEE,
        ),
        DataKind(
            key="mover",
            name="Moving our nominations at your branch meeting",
            about="Supporters who agree to move our nominations at their branch AGM or EGM",
            items=(
                "that you will move our slate's nominations at your branch meeting",
                "the meeting's branch, date and place",
            ),
            purpose=(
                "To make sure someone moves our nominations at each branch meeting, and to "
                "know whom to ask about it."
            ),
            lawful_basis="Consent (Article 6(1)(a) UK GDPR), given when you agree to move them.",
            special_category=ART9_PARA31,
            retention=(
                "Kept with the meeting record while the election runs. There is no automatic "
                "deletion: an organiser removes your name from the meeting when you ask. "
                "Erasing your record, or the deletion of your record "
                f"{left} days after you leave, removes your name and keeps only the meeting."
            ),
            who_sees=ORGANISERS_SEE,
        ),
        DataKind(
            key="event_replies",
            name="Replies to meetings and events",
            about="People who reply that they will come to one of our meetings or events",
            items=(
                "your name and email address, and your branch if you give it",
                "that you said you would come (a political opinion), the exact words you "
                "agreed to, and when",
                "whether you cancelled, were sent the reminder, and came",
            ),
            purpose=(
                "To know who is coming, to email you the details, a reminder the day before "
                "and a link to cancel, and to sign people in at the door."
            ),
            lawful_basis="Consent (Article 6(1)(a) UK GDPR), given when you reply.",
            special_category=ART9_PARA31,
            retention=(
                f"Deleted {_days('event_replies')} days after the event ends, or at once "
                "when you erase your record as a member with the same email address. "
                "Cancelling keeps the reply, marked cancelled, until then."
            ),
            who_sees=(
                "Organisers of the host branch's union group or region, and national "
                "organisers. Nobody else: the public page shows only how many places are left."
            ),
        ),
        DataKind(
            key="petition_signatures",
            name="Petition signatures",
            about="People who sign one of our petitions",
            items=(
                "your name and email address, and your branch or workplace",
                "that you signed the petition (a political opinion), the exact words you "
                "agreed to, when you signed and confirmed, and the internet address you "
                "confirmed from",
            ),
            purpose=(
                "To count your signature once you confirm your address, and to measure "
                "how far each branch has got towards a target (a structure test): only "
                "the number of signatures per branch is used for that."
            ),
            lawful_basis="Consent (Article 6(1)(a) UK GDPR), given when you sign.",
            special_category=ART9_PARA31,
            retention=(
                f"Deleted {unconfirmed} days after you sign if you never confirm; otherwise "
                f"{_days('petition_signatures')} days after the petition closes, or at once "
                "when you erase your record as a member with the same email address."
            ),
            who_sees=(
                "National organisers, and organisers of the union group or region of the "
                "branch you name. Everyone: only the number of signatures."
            ),
        ),
        DataKind(
            key="vote_pledges",
            name='"I\'ve voted" reports',
            about="Members who tell us they have voted in a union ballot",
            items=("that you voted in the ballot, when you told us, and your branch then",),
            purpose=(
                "To count your vote in your branch's turnout, so organisers know where "
                "to get the vote out. How you voted is never asked."
            ),
            lawful_basis="Consent (Article 6(1)(a) UK GDPR), given when you report it.",
            special_category=ART9_PARA31,
            retention=(
                f"Deleted {_days('vote_pledges')} days after the ballot closes, or with your "
                "record when you erase it."
            ),
            who_sees=(
                "Organisers of your union group or region, and national organisers. "
                "Everyone else: only turnout numbers."
            ),
        ),
        DataKind(
            key="candidates",
            name="Our candidates",
            about="People who stand on our slate in a union election",
            items=(
                "your name and your place on the slate",
                "your photo, short statement and election address, if you give them",
                "your employer group and branch",
                "the reserved seats you may stand for, such as seats for Black, disabled, "
                "women or LGBT+ members, which reveal your race or ethnic origin, health, "
                "sex or sexual orientation",
                "how many branch nominations you have received",
            ),
            purpose=(
                "To run the election campaign: publish our slate, count your nominations, "
                "and check the slate against the union's rules on reserved seats and the "
                "number of candidates from one employer."
            ),
            lawful_basis=(
                "Consent (Article 6(1)(a) UK GDPR), given when you agree to stand on our slate."
            ),
            special_category=(
                f"{ART9_EXPLICIT_CONSENT}, for what is published and for the reserved seats "
                f"you stand for; otherwise {ART9_PARA31}"
            ),
            retention=(
                "Kept for the election and afterwards as the record of it. There is no "
                "automatic deletion: an organiser deletes the election when it is no "
                "longer needed, and takes your details off the public page at once if "
                "you withdraw your consent."
            ),
            who_sees=(
                "Everyone, on the public slate page: your name, photo, employer group, "
                "statement and election address, and your nomination count if the election "
                "publishes counts. Your branch and reserved seats: organisers only."
            ),
        ),
        DataKind(
            key="branch_contacts",
            name="Branch contacts",
            about="Members who report for their branch through a personal link",
            items=(
                "your name and email address",
                "the branch you report for",
                "when your personal link was made, last used, expires or was revoked",
                "what you reported, with the name you gave as the reporter",
            ),
            purpose=(
                "To send you your personal link, so you can report your branch's AGM, its "
                "nominations and its ballot readiness without a password."
            ),
            lawful_basis=(
                "Consent (Article 6(1)(a) UK GDPR), given when you agree to be our contact "
                "for the branch."
            ),
            special_category=ART9_PARA31,
            retention=(
                f"Your name and email address are deleted with your link {links} days after "
                "it expires or is revoked. The name you gave as the reporter stays with "
                "each nomination report, which is the record of the election, until an "
                "organiser deletes the election; there is no automatic deletion of reports."
            ),
            who_sees=ORGANISERS_SEE,
        ),
        DataKind(
            key="other_candidates",
            name="Other candidates nominated by branches",
            about="Candidates in a union election who are not on our slate",
            items=("the name of a candidate a branch meeting nominated",),
            purpose="To count the nominations each branch makes in a union election.",
            lawful_basis=(
                "Legitimate interests (Article 6(1)(f) UK GDPR): following the election "
                "the union runs."
            ),
            special_category=ART9_MADE_PUBLIC,
            retention=(
                "Kept with the branch's nomination record for the election. There is no "
                "automatic deletion: an organiser deletes the election when it is no "
                "longer needed."
            ),
            who_sees="Organisers only.",
        ),
        DataKind(
            key="authors",
            name="Authors of articles",
            about="People who write articles we publish",
            items=("your name and a short description of you", "the articles you wrote"),
            purpose="To say who wrote each article.",
            lawful_basis="Consent (Article 6(1)(a) UK GDPR), given when you write for us.",
            special_category=(
                f"{ART9_EXPLICIT_CONSENT}: writing for the faction reveals a political opinion"
            ),
            retention=(
                "Kept while your articles are published. There is no automatic deletion: "
                "an editor removes your name when you ask."
            ),
            who_sees="Everyone, on the articles and your author page.",
        ),
        DataKind(
            key="organisers",
            name="Organisers' accounts",
            about="Organisers and editors who log in to the site",
            items=(
                "your username, name, email address, role and the group or region you organise",
                "your password (only as a one-way hash) and your two-factor devices",
                "your logins: time, internet address and browser",
                "what you viewed, changed, exported, imported or erased, the figures you "
                "entered, the nominations you verified and the links you made",
            ),
            purpose=(
                "To let you in, keep others out, and keep a record of who did what with "
                "members' personal data."
            ),
            lawful_basis=(
                "Legitimate interests (Article 6(1)(f) UK GDPR): keeping members' data "
                "secure and accountable."
            ),
            special_category=ART9_PARA31,
            retention=(
                f"Your account is kept while you organise. Audit entries are deleted after "
                f"{audit} days; login sessions when they expire; the record of logins "
                f"(time, internet address, browser) after {logins} days. "
                "When your account is deleted, the figures, nominations and links you "
                "entered stay without a link to you; audit entries keep your username "
                "until they are deleted."
            ),
            who_sees="National organisers.",
        ),
    )


RIGHTS = (
    "see and download everything we hold about you (JSON or CSV)",
    "correct your details",
    "withdraw either consent",
    "erase your record",
)
