"""Tell the audit trail (kept by the members app) about something core did.

Core imports no app: it sends this signal, and the app that keeps the trail
records it. The arguments are those of ``members.audit.audit_record``; none
may hold a name or an address.
"""

from django.dispatch import Signal

#: Sent with actor, action, subject and optionally object_id, rows, detail.
audited = Signal()


def audit(*, actor, action: str, subject: str, object_id="", rows=None, detail: str = ""):
    audited.send(
        sender=None,
        actor=actor,
        action=action,
        subject=subject,
        object_id=object_id,
        rows=rows,
        detail=detail,
    )
