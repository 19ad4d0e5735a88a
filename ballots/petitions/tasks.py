"""The emails about a signature: the link that confirms it, or (for an address that
signed and confirmed before) a note that it already counts."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django_tasks import task

from ballots.models import PetitionSignature
from ballots.petitions import services
from core.task_recovery import send_once, sent_key
from members import conf

SUBJECTS = {"confirm": "Confirm your signature: {}", "already": "You have already signed: {}"}


def render_petition_email(kind: str, signature: PetitionSignature) -> tuple[str, str]:
    if kind not in SUBJECTS:
        raise ValueError(f"Unknown email {kind!r}")
    petition = signature.petition
    context = {
        "signature": signature,
        "petition": petition,
        "site_name": settings.SITE_NAME,
        "petition_url": settings.SITE_URL + petition.get_absolute_url(),
        "confirm_url": settings.SITE_URL
        + reverse("ballots:petition_confirm", args=[services.confirm_token(signature)]),
        "confirm_days": conf.confirm_link_max_age().days,
        "privacy_url": settings.SITE_URL + reverse("members:privacy"),
    }
    body = render_to_string(f"ballots/email/petition_{kind}.txt", context)
    return SUBJECTS[kind].format(petition.title), body


@task()
def send_petition_email(*, kind: str, signature_id: int, dedupe_key: str = "") -> bool:
    """Send one petition email once; nothing for a signature erased meanwhile."""
    signature = PetitionSignature.objects.select_related("petition").filter(pk=signature_id).first()
    if signature is None:
        return False
    subject, body = render_petition_email(kind, signature)
    message = EmailMessage(subject=subject, body=body, to=[signature.email])
    return send_once(
        sent_key("ballots.petitions.tasks.send_petition_email", dedupe_key), message.send
    )
