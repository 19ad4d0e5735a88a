"""The shared tables of the site's machinery: rate-limit counters and sent-email markers."""

from django.db import models
from django.utils import timezone


class RateLimitCounter(models.Model):
    """Hits per key in one fixed time window; shared by every web process.

    Written only by core.ratelimit with one atomic upsert per request. Keys
    hold a keyed hash of the client address, never the address itself.
    """

    key = models.CharField(max_length=200)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-window_start"]
        verbose_name = "rate-limit counter"
        constraints = [
            models.UniqueConstraint(
                fields=["key", "window_start"], name="ratelimitcounter_unique_window"
            ),
        ]
        indexes = [models.Index(fields=["window_start"], name="ratelimit_window_idx")]

    def __str__(self):
        return f"{self.key} @ {self.window_start:%H:%M}: {self.count}"


class SentMarker(models.Model):
    """One email that has gone, so a task run twice sends it once (core.task_recovery).

    The key holds a task path and a task id (or a key the enqueuer chose),
    never an address or a name.
    """

    key = models.CharField(max_length=200, primary_key=True)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = "sent-email marker"
        indexes = [models.Index(fields=["sent_at"], name="sentmarker_sent_at_idx")]

    def __str__(self):
        return self.key
