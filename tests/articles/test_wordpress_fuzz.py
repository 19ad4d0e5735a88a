"""Fuzzing the WordPress importer: a whole import or nothing, and a clear error, never a crash."""

import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.models import Article, Author, Redirect, Tag
from articles.wordpress import ImportFailed, import_wxr

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
# Characters XML 1.0 can carry (no NUL or other C0 controls but tab and newlines).
xml_text = st.text(
    alphabet=st.characters(
        blacklist_categories=["Cs"],
        blacklist_characters="".join(chr(c) for c in range(32) if chr(c) not in "\t\n\r")
        + "\ufffe\uffff",
    ),
    max_size=40,
)
value = st.one_of(
    xml_text,
    st.sampled_from(
        [
            "",
            "1",
            "-5",
            "99999999999999",
            "0",
            "abc",
            "2018-05-13 09:30:00",
            "0000-00-00 00:00:00",
            "2018-13-45 99:99:99",
            "publish",
            "draft",
            "post",
            "a/b",
            "%2F",
            "x" * 600,
            "https://old.example/?p=1",
            "../../etc",
        ]
    ),
)

WXR = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
  xmlns:content="http://purl.org/rss/1.0/modules/content/"
  xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
  <wp:author><wp:author_login>{login}</wp:author_login>
    <wp:author_display_name>{author}</wp:author_display_name></wp:author>
  <wp:category><wp:category_nicename>{cat}</wp:category_nicename>
    <wp:cat_name>{cat_name}</wp:cat_name></wp:category>
  <wp:tag><wp:tag_slug>{tag}</wp:tag_slug><wp:tag_name>{tag_name}</wp:tag_name></wp:tag>
  {items}
</channel>
</rss>
"""
ITEM = """<item><title>{title}</title><link>{link}</link><dc:creator>{login}</dc:creator>
  <content:encoded>{body}</content:encoded><excerpt:encoded>{excerpt}</excerpt:encoded>
  <wp:post_id>{post_id}</wp:post_id><wp:post_date_gmt>{date}</wp:post_date_gmt>
  <wp:post_name>{name}</wp:post_name><wp:status>{status}</wp:status>
  <wp:post_type>post</wp:post_type><category domain="category" nicename="{cat}">c</category>
</item>"""

item = st.fixed_dictionaries(
    {
        "title": value,
        "link": value,
        "body": value,
        "excerpt": value,
        "post_id": st.one_of(st.integers(1, 50).map(str), value),
        "date": st.one_of(st.just("2018-05-13 09:30:00"), value),
        "name": value,
        "status": st.one_of(st.sampled_from(["publish", "draft", "future", "trash"]), value),
    }
)


def _state():
    return (
        sorted(Article.objects.values_list("wp_post_id", "slug", "title")),
        sorted(Author.objects.values_list("slug", "name")),
        sorted(Tag.objects.values_list("slug", "name")),
        sorted(Redirect.objects.values_list("old_path", flat=True)),
    )


def _run(data: bytes):
    before = _state()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.xml"
        path.write_bytes(data)
        failed = None
        try:
            report = import_wxr(path)
        except ImportFailed as exc:
            failed = exc
    if failed is not None:
        assert str(failed).strip()
        assert _state() == before
        return None
    return report, before


@FUZZ
@given(data=st.one_of(st.binary(max_size=300), xml_text.map(str.encode)))
def test_arbitrary_bytes(data):
    _run(data)


@FUZZ
@given(
    login=value,
    author=value,
    cat=value,
    cat_name=value,
    tag=value,
    tag_name=value,
    items=st.lists(item, max_size=3),
)
def test_plausible_exports_import_whole_or_not_at_all(
    login, author, cat, cat_name, tag, tag_name, items
):
    e = {
        k: escape(v, {'"': "&quot;"})
        for k, v in {
            "login": login,
            "author": author,
            "cat": cat,
            "cat_name": cat_name,
            "tag": tag,
            "tag_name": tag_name,
        }.items()
    }
    body = "".join(
        ITEM.format(
            **{k: escape(v, {'"': "&quot;"}) for k, v in i.items()}, login=e["login"], cat=e["cat"]
        )
        for i in items
    )
    before_articles = Article.objects.count()
    result = _run(WXR.format(items=body, **e).encode())
    if result is not None:
        report, _ = result
        assert Article.objects.count() == before_articles + report.created


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        ("<rss><channel>", "not a well-formed XML export"),
        ("<rss/>", "not a WordPress export"),
        (
            WXR.format(
                items=ITEM.format(
                    title="T",
                    link="",
                    body="",
                    excerpt="",
                    post_id="x1",
                    date="",
                    name="",
                    status="draft",
                    login="",
                    cat="",
                ),
                login="",
                author="",
                cat="",
                cat_name="",
                tag="",
                tag_name="",
            ),
            "no valid post_id",
        ),
    ],
)
def test_broken_files_name_the_problem(tmp_path, xml, message):
    path = tmp_path / "export.xml"
    path.write_text(xml)
    with pytest.raises(ImportFailed, match=message):
        import_wxr(path)


def test_odd_slugs_become_url_slugs(tmp_path):
    """Found by the fuzz above: a tag slug such as ':' crashed on reverse() (NoReverseMatch)."""
    fields = {
        "title": "Pay",
        "link": "",
        "body": "b",
        "excerpt": "",
        "post_id": "7",
        "date": "2018-05-13 09:30:00",
        "name": "caf%C3%A9 / news",
        "status": "publish",
    }
    path = tmp_path / "export.xml"
    path.write_text(
        WXR.format(
            items=ITEM.format(**fields, login="jo", cat="a:b"),
            login="jo",
            author="Jo",
            cat="a:b",
            cat_name="A B",
            tag=":",
            tag_name="Colon",
        )
    )
    import_wxr(path)
    assert Article.objects.get(wp_post_id=7).slug == "cafe-news"
    assert set(Tag.objects.values_list("slug", flat=True)) == {"ab", "colon"}
    assert Redirect.objects.filter(old_path="/category/a:b/").exists()
