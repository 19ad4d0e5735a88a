"""Files that go with an article (PDF reports)."""

from django.db import models

from articles.models.article import Article
from core.uploads import safe_upload_to, validate_pdf


class Attachment(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="attachments")
    title = models.CharField(max_length=200, help_text="The report's name as readers will see it.")
    file = models.FileField(upload_to=safe_upload_to("articles/files"), validators=[validate_pdf])
    size = models.PositiveBigIntegerField(default=0, editable=False)
    source_url = models.CharField(max_length=500, blank=True, editable=False)

    class Meta:
        ordering = ["pk"]
        verbose_name = "attachment (PDF)"
        verbose_name_plural = "attachments (PDF)"

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if self.file:
            self.size = self.file.size
        super().save(*args, **kwargs)
