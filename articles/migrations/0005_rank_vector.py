"""Search results are ranked by a small vector of the title, standfirst and tags."""

import django.contrib.postgres.search
from django.db import migrations

FILL = """
    UPDATE articles_article AS a SET rank_vector =
        setweight(to_tsvector('english', coalesce(a.title, '')), 'A')
        || setweight(to_tsvector('english', coalesce(a.standfirst, '')), 'B')
        || setweight(to_tsvector('english', coalesce((
            SELECT string_agg(t.name, ' ')
            FROM articles_tag t
            JOIN articles_article_tags at ON at.tag_id = t.id
            WHERE at.article_id = a.id), '')), 'B')
"""


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0004_revision_author"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="rank_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
    ]
