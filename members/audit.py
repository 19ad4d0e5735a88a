"""Record access to personal data in the audit trail (members.AuditEvent)."""

from members.models import AuditEvent


def audit_record(
    *,
    actor,
    action: str,
    subject: str,
    object_id: str | int = "",
    rows: int | None = None,
    detail: str = "",
) -> AuditEvent:
    """Write one audit event. `actor` is a User, or None for the member or a task.

    `detail` must not contain names, addresses or other personal data.
    """
    if actor is not None and getattr(actor, "is_authenticated", False):
        label, user = actor.get_username(), actor
    else:
        label, user = (actor if isinstance(actor, str) else "system"), None
    return AuditEvent.objects.create(
        actor=user,
        actor_label=label,
        action=action,
        subject=subject,
        object_id=str(object_id),
        rows=rows,
        detail=detail[:500],
    )


def record_core_event(sender, **event) -> None:
    """Record what core reports through ``core.audit.audited`` (login devices, retention)."""
    audit_record(**{k: v for k, v in event.items() if k != "signal"})
