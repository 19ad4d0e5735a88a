"""Fuzzing: any Markdown renders safely; any search query gets a page, never a 500."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.rendering import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, render


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


@given(
    st.one_of(
        st.text(max_size=300),
        st.lists(
            st.sampled_from(
                [
                    "<script>alert(1)</script>",
                    "[x](javascript:alert(1))",
                    "![](x onerror=alert(1))",
                    "| a | b |\n| --- | --- |\n| 1 | 2 |\n",
                    "Table: <b>c</b>\n\n",
                    "<img src=x onerror=1>",
                    "\n\n",
                    "# h\n",
                    "> q\n",
                    "- l\n",
                    "`code`",
                    "<style>x</style>",
                    "&#x3C;script&#x3E;",
                ]
            ),
            max_size=12,
        ).map("".join),
    )
)
@settings(max_examples=300, deadline=None)
def test_any_markdown_renders_without_markup_that_could_run(text):
    parser = _Tags()
    parser.feed(render(text).html)
    for tag, attrs in parser.found:
        assert tag in ALLOWED_TAGS
        assert set(attrs) <= ALLOWED_ATTRIBUTES.get(tag, set()) | {"class", "rel"}
        for name in ("href", "src"):
            assert not (attrs.get(name) or "").strip().lower().startswith(("javascript", "data"))


@pytest.mark.django_db
@given(q=st.text(max_size=120), page=st.one_of(st.none(), st.text(max_size=5)))
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_any_search_query_gets_a_page_not_an_error(client, q, page):
    params = {"q": q} if page is None else {"q": q, "page": page}
    response = client.get(reverse("articles:search"), params)
    assert response.status_code in (200, 404)
