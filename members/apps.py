from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "Members and union structure"
    public_models = {"Group": ("structure",), "Region": ("structure",), "Branch": ("structure",)}
    demo_loader = "members.demo.load"
    retention_rules = {
        "unconfirmed_signups": "members.retention.purge_unconfirmed",
        "left_members": "members.retention.purge_left_members",
        "signed_links": "members.retention.purge_signed_links",
        "audit_events": "members.retention.purge_audit_events",
        "broadcast_deliveries": "members.broadcasts.retention.purge_deliveries",
    }

    def personal_data(self, member) -> dict:
        """The member's broadcast deliveries (members/download.py asks every app)."""
        from members.broadcasts.retention import personal_data

        return personal_data(member)

    def ready(self):
        from core.audit import audited
        from members.audit import record_core_event

        audited.connect(record_core_event, dispatch_uid="members.audit")

    def organiser_todo(self, user, today):
        """Sign-ups to review and links not opened, for the organiser home."""
        from members.todo import organiser_todo

        return organiser_todo(user, today)
