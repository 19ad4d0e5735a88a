from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Articles"
    public_models = dict.fromkeys(
        ("Article", "Tag", "Author", "Correction", "Attachment", "Redirect"), ("articles",)
    )
    demo_loader = "articles.demo.load"

    def next_public_change(self):
        """When the next scheduled article goes public, or None (the page cache asks)."""
        from articles.models import Article

        return Article.objects.next_publication()
