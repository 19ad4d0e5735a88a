"""What we hold about people who sign petitions: their download, erasure, retention.

A signature is not tied to a member record, only to the address it was made
with; a member who has proved that address is shown and may erase the
signatures made with it (``BallotsConfig.personal_data`` and ``forget_email``).
Erasing a signature leaves a structure test's recorded progress as it was on
each past day (the counts, not the people); the next count leaves it out.
"""

from django.db.models.functions import Lower

from ballots import consent
from ballots.models import PetitionSignature
from core.retention import cutoff
from members.services import admin_log_forget


def _with_email(email: str):
    return PetitionSignature.objects.annotate(lower=Lower("email")).filter(
        lower=email.strip().lower()
    )


def signatures(email: str) -> dict:
    """The signatures made with this address, for a data download (one query)."""
    rows = _with_email(email).select_related("petition", "branch").order_by("created_at", "pk")
    return {
        "petition_signatures": [
            {
                "petition": s.petition.title,
                "name": s.name,
                "email": s.email,
                "branch": str(s.branch) if s.branch else "",
                "workplace": s.workplace,
                "signed_at": s.created_at.isoformat(),
                "consent_wording": consent.WORDINGS.get(s.consent_version, ""),
                "confirmed_at": s.confirmed_at.isoformat() if s.confirmed_at else None,
                "confirmed_from": s.confirmed_ip,
            }
            for s in rows
        ]
    }


def _delete(queryset) -> int:
    admin_log_forget(PetitionSignature, list(queryset.values_list("pk", flat=True)))
    return PetitionSignature.objects.filter(pk__in=queryset.values("pk")).delete()[0]


def forget_email(email: str) -> int:
    """Erasure: every signature made with this address goes, with the admin log's entries."""
    return _delete(_with_email(email))


def purge_unconfirmed(now) -> int:
    """Signatures never confirmed, as long after as unconfirmed sign-ups are kept."""
    return _delete(
        PetitionSignature.objects.filter(
            confirmed_at__isnull=True, created_at__lt=cutoff(now, "unconfirmed_signups")
        )
    )


def purge_closed(now) -> int:
    """Signatures to petitions whose deadline passed longer ago than the window."""
    return _delete(
        PetitionSignature.objects.filter(
            petition__deadline__lt=cutoff(now, "petition_signatures").date()
        )
    )
