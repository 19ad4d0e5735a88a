from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The site's machinery: page cache, rate limits, send-once email, uploads, security."""

    name = "core"
    verbose_name = "Site machinery"
    retention_rules = {
        "login_records": "core.retention.purge_login_records",
        "expired_sessions": "core.retention.purge_sessions",
        "task_results": "core.retention.purge_task_results",
        "admin_log": "core.retention.purge_admin_log",
    }

    def ready(self):
        from core import pagecache, task_recovery  # noqa: F401  (connects task signals)

        pagecache.connect_signals()
