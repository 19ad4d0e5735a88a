"""When public content was last deleted (for the pages' version stamp)."""

from django.db import models
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone

from articles.models.article import Article
from articles.models.taxonomy import Author, Tag


class Deletion(models.Model):
    """When an article, tag or author was last deleted.

    The public pages' version stamp (articles/caching.py) is the latest change
    among these tables; a deletion leaves no row behind to date it, so it is
    dated here. One row per model: reading it costs nothing, unlike counting.
    """

    model = models.CharField(max_length=20, primary_key=True)
    deleted_at = models.DateTimeField()

    def __str__(self):
        return f"{self.model} deleted {self.deleted_at:%d %b %Y %H:%M}"


# A signal, not a service: deletions also come from the admin's bulk "delete
# selected" action and from cascades, which call no code of ours.
@receiver(post_delete, sender=Article)
@receiver(post_delete, sender=Tag)
@receiver(post_delete, sender=Author)
def _record_deletion(sender, **kwargs):
    Deletion.objects.update_or_create(
        model=sender._meta.model_name, defaults={"deleted_at": timezone.now()}
    )
