"""The board sanitiser: every OWASP XSS cheat-sheet vector comes out of ``clean_body`` inert
(checked by parsing the output, not by looking for substrings), formatting survives, links are
http(s)/mailto with rel="noopener noreferrer nofollow"; ``safe_url`` refuses every trick link;
plain text stays literal text; post colours are a name or a hex code, never CSS."""

from __future__ import annotations

import html
import unicodedata
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from server.boards.sanitize import clean_body, clean_text, css_colour, safe_url
from server.core.errors import Problem
from tests.boards.xss_corpus import URL_VECTORS, VECTORS

ALLOWED_TAGS = {
    "p", "br", "b", "strong", "i", "em", "u", "s", "ul", "ol", "li", "a", "code", "blockquote",
}  # fmt: skip
DANGEROUS_TAGS = {
    "script", "style", "iframe", "object", "embed", "svg", "math", "form", "meta", "base", "img",
    "link", "frame", "frameset", "input", "button", "body", "video", "audio", "source", "details",
    "table", "td", "textarea", "template", "noscript", "isindex", "bgsound", "xml", "marquee",
}  # fmt: skip
REL = {"noopener", "noreferrer", "nofollow"}


class Collector(HTMLParser):
    """Every start tag with its attributes, and every comment, as a browser-ish parser sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.comments: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)


def parse(fragment: str) -> Collector:
    collector = Collector()
    collector.feed(fragment)
    collector.close()
    return collector


def href_scheme(href: str) -> str:
    """The scheme a browser would see: entities decoded, whitespace and controls gone."""
    decoded = html.unescape(href)
    squashed = "".join(
        ch for ch in decoded if not ch.isspace() and unicodedata.category(ch) not in ("Cc", "Cf")
    )
    return urlsplit(squashed.lower()).scheme


def assert_inert(output: str) -> None:
    parsed = parse(output)
    assert parsed.comments == [], output
    for tag, attrs in parsed.tags:
        assert tag not in DANGEROUS_TAGS, output
        assert tag in ALLOWED_TAGS, output
        for name in attrs:
            assert not name.startswith("on"), output
            assert name not in {"style", "class", "id", "src", "background", "formaction"}, output
        allowed_attrs = {"href", "rel"} if tag == "a" else set()
        assert set(attrs) <= allowed_attrs, output
        if tag == "a":
            assert set((attrs.get("rel") or "").split()) == REL, output
            if "href" in attrs:
                assert href_scheme(attrs["href"] or "") in {"http", "https", "mailto"}, output


def test_corpus_is_big_enough() -> None:
    assert len(VECTORS) >= 60
    assert len(set(VECTORS)) == len(VECTORS)
    assert len(URL_VECTORS) >= 12


@pytest.mark.parametrize("vector", VECTORS)
def test_owasp_vector_comes_out_inert(vector: str) -> None:
    output = clean_body(vector)
    assert_inert(output)
    assert "javascript:" not in html.unescape(output).lower().replace("\t", "")
    # Cleaning is stable: what is stored cleans to itself, so re-saving a post changes nothing.
    assert clean_body(output) == output


@pytest.mark.parametrize(
    "vector",
    [
        "<script>alert(1)</script>safe",
        "<style>p { color: red }</style>safe",
        "<SCRIPT SRC=https://xss.rocks/xss.js></SCRIPT>safe",
        "<iframe src=x>inner</iframe>safe",
    ],
)
def test_script_and_style_content_is_dropped_not_shown(vector: str) -> None:
    assert clean_body(vector) == "safe"


def test_assert_inert_catches_dangerous_output() -> None:
    """The checker itself fails on the things it is meant to catch (so a pass means something)."""
    for bad in [
        "<script>alert(1)</script>",
        '<a href="javascript:alert(1)" rel="noopener noreferrer nofollow">x</a>',
        '<a href="jav&#x09;ascript:alert(1)" rel="noopener noreferrer nofollow">x</a>',
        '<a href="https://x.example">no rel</a>',
        '<b onclick="alert(1)">x</b>',
        '<p style="color:red">x</p>',
        "<img src=x>",
        "<!-- comment -->",
    ]:
        with pytest.raises(AssertionError):
            assert_inert(bad)


def test_allowed_formatting_survives() -> None:
    body = (
        "<p><b>bold</b> <strong>strong</strong> <i>i</i> <em>em</em> <u>u</u> <s>s</s></p>"
        "<ul><li>one</li><li>two</li></ul><ol><li>first</li></ol>"
        "<blockquote>quoted</blockquote><p>line<br>break <code>x = 1</code></p>"
    )
    assert clean_body(body) == body


def test_links_keep_http_https_mailto_and_get_rel() -> None:
    output = clean_body(
        '<a href="https://x.example">x</a> <a href="http://y.example/p?q=1&amp;r=2">y</a> '
        '<a href="mailto:teacher@school.example">mail</a>'
    )
    links = [attrs for tag, attrs in parse(output).tags if tag == "a"]
    assert [link["href"] for link in links] == [
        "https://x.example",
        "http://y.example/p?q=1&r=2",
        "mailto:teacher@school.example",
    ]
    assert all(link["rel"] == "noopener noreferrer nofollow" for link in links)


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "//evil.example/x",
        "/relative",
        "relative.html",
        "data:text/html,x",
        "vbscript:x",
        "ftp://x.example",
    ],
)
def test_links_lose_other_hrefs_but_keep_their_text(href: str) -> None:
    output = clean_body(f'<a href="{href}">text</a>')
    assert output == '<a rel="noopener noreferrer nofollow">text</a>'


def test_event_handlers_and_styles_are_removed_but_text_stays() -> None:
    assert clean_body('<b onclick="alert(1)" style="color:red" class="x">hi</b>') == "<b>hi</b>"
    assert clean_body('<p title="t" lang="ko" dir="rtl" id="i" data-x="1">hi</p>') == "<p>hi</p>"
    assert clean_body("<blockquote onmouseover=alert(1)>quote</blockquote>") == (
        "<blockquote>quote</blockquote>"
    )


def test_body_text_is_escaped_and_controls_dropped() -> None:
    assert clean_body("1 < 2 & 3 > 2") == "1 &lt; 2 &amp; 3 &gt; 2"
    assert clean_body("a\x00b\x07c&#1;d\u0085e\r\nf\tg") == "abcde\nf\tg"


def test_body_is_nfc() -> None:
    assert clean_body(unicodedata.normalize("NFD", "<b>한글</b>")) == "<b>한글</b>"


def test_body_too_long_is_refused() -> None:
    assert clean_body("x" * 5000) == "x" * 5000
    with pytest.raises(Problem) as caught:
        clean_body("x" * 5001)
    assert caught.value.type.slug == "validation-error"
    with pytest.raises(Problem):
        clean_body("<b>" + "x" * 10 + "</b>", max_chars=10)
    # The limit applies to what is kept: stripped markup does not count.
    assert clean_body("<script>" + "x" * 100 + "</script>ok", max_chars=10) == "ok"


@pytest.mark.parametrize("url", URL_VECTORS)
def test_safe_url_refuses_trick_links(url: str) -> None:
    with pytest.raises(Problem) as caught:
        safe_url(url)
    assert caught.value.type.slug == "validation-error"
    assert caught.value.detail == "Links must be http or https addresses."


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://x.example", "https://x.example"),
        ("http://x.example/a?b=1#c", "http://x.example/a?b=1#c"),
        ("HTTPS://X.example/Path", "https://X.example/Path"),
        ("HtTp://x.example", "http://x.example"),
        ("  https://x.example/trimmed  ", "https://x.example/trimmed"),
        ("https://ko.wikipedia.org/wiki/한글", "https://ko.wikipedia.org/wiki/한글"),
        ("https://x.example:8443/", "https://x.example:8443/"),
    ],
)
def test_safe_url_accepts_http_and_https(url: str, expected: str) -> None:
    assert safe_url(url) == expected


@pytest.mark.parametrize("url", [None, "", "   "])
def test_safe_url_blank_is_none(url: str | None) -> None:
    assert safe_url(url) is None


def test_safe_url_length_limit() -> None:
    base = "https://x.example/"
    ok = base + "a" * (2000 - len(base))
    assert safe_url(ok) == ok
    with pytest.raises(Problem):
        safe_url(ok + "a")


def test_clean_text_keeps_markup_literally() -> None:
    assert clean_text("a <b> c", 100) == "a <b> c"
    assert clean_text("<script>alert(1)</script>", 100) == "<script>alert(1)</script>"
    assert clean_text("Tom & Jerry &amp;", 100) == "Tom & Jerry &amp;"


def test_clean_text_drops_controls_keeps_newlines_and_trims() -> None:
    assert clean_text("  a\x00b\x07c\x1bd\x7fe\u0085f\tg\r\nh\rI\n  ", 100) == "abcdefg\nh\nI"


def test_clean_text_is_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "한글")
    assert len(decomposed) == 6
    assert clean_text(decomposed, 10) == "한글"
    assert clean_text("e\u0301", 10) == "\u00e9"


def test_clean_text_too_long_is_refused() -> None:
    assert clean_text("가" * 20, 20) == "가" * 20
    with pytest.raises(Problem) as caught:
        clean_text("가" * 21, 20)
    assert caught.value.type.slug == "validation-error"
    # Trimmed whitespace and decomposed jamo do not count against the limit.
    assert clean_text("  " + unicodedata.normalize("NFD", "가" * 20) + "  ", 20) == "가" * 20


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("yellow", "yellow"),
        ("pink", "pink"),
        ("blue", "blue"),
        ("green", "green"),
        ("orange", "orange"),
        ("purple", "purple"),
        ("white", "white"),
        ("grey", "grey"),
        ("Yellow", "yellow"),
        ("#fff", "#fff"),
        ("#FFCC00", "#ffcc00"),
        ("#a1b2c3", "#a1b2c3"),
    ],
)
def test_css_colour_accepts_names_and_hex(value: str, expected: str) -> None:
    assert css_colour(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "red;background:url(x)",
        "expression(alert(1))",
        "yellow;",
        "#fff;color:red",
        "#ffff",
        "#ggg",
        "#ff\nf",
        "#１２３",
        "rgb(0,0,0)",
        "url(javascript:alert(1))",
        "red",
        "",
    ],
)
def test_css_colour_refuses_anything_else(value: str) -> None:
    with pytest.raises(Problem) as caught:
        css_colour(value)
    assert caught.value.type.slug == "validation-error"
