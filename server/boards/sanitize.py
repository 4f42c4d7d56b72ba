"""What may go into a board: limited rich text, plain text, links and post colours.

A post is shown to the whole class, so a student's post is untrusted HTML in everybody else's
browser. On the way in, post bodies are cleaned with nh3 (Ammonia, an HTML5-parser based
allow-list sanitiser, not regexes): a handful of formatting tags survive, links keep only an
absolute http/https/mailto ``href``, and nothing can carry script, styles or event handlers.
Every other field (titles, comments, section names, link titles and descriptions) is plain text:
it is stored as typed and never parsed as HTML, because the client renders it with
``textContent`` and the exports write it with openpyxl, CSV and Pillow. That is the second half
of the defence: on the way out, plain fields are text, never markup.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

import nh3

from server.core.errors import Problem

BODY_TAGS = frozenset(
    {"p", "br", "b", "strong", "i", "em", "u", "s", "ul", "ol", "li", "a", "code", "blockquote"}
)
# Dropped together with their content. html5ever keeps the raw text of iframe/noscript/template
# as escaped text otherwise, which is inert but reads as garbage on a post.
_DROP_WITH_CONTENT = frozenset({"script", "style", "iframe", "noscript", "noembed", "template"})
BODY_URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer nofollow"
URL_MAX_CHARS = 2000
POST_COLOURS = frozenset({"yellow", "pink", "blue", "green", "orange", "purple", "white", "grey"})

_HEX_COLOUR = re.compile(r"#(?:[0-9a-f]{3}|[0-9a-f]{6})")
_BAD_LINK = "Links must be http or https addresses."


def _strip_controls(value: str, keep: str) -> str:
    """NFC, CR/CRLF as LF, and no control characters (Cc) or lone surrogates but ``keep``."""
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    return "".join(ch for ch in value if ch in keep or unicodedata.category(ch) not in ("Cc", "Cs"))


def _is_absolute(url: str, schemes: frozenset[str]) -> bool:
    """True when ``url`` is an absolute URL in ``schemes`` (with a host unless mailto)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return False
    if parts.scheme.lower() not in schemes:
        return False
    return parts.scheme.lower() == "mailto" or bool(parts.hostname)


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Drop relative and scheme-relative hrefs, which nh3 would otherwise pass through."""
    if attribute == "href" and not _is_absolute(value.strip(), BODY_URL_SCHEMES):
        return None
    return value


def clean_body(html: str, max_chars: int = 5000) -> str:
    """A post's limited rich text, cleaned to the allowed tags; Problem if over ``max_chars``."""
    cleaned = nh3.clean(
        _strip_controls(html, keep="\n\t"),
        tags=BODY_TAGS,
        clean_content_tags=_DROP_WITH_CONTENT,
        # "*" must be given: otherwise Ammonia's default generic attributes (title, lang) stay.
        attributes={"a": {"href"}, "*": set()},
        attribute_filter=_filter_attribute,
        url_schemes=BODY_URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )
    # Character references such as &#1; come out of the parser as raw control characters.
    cleaned = _strip_controls(cleaned, keep="\n\t")
    if len(cleaned) > max_chars:
        raise Problem("validation-error", f"The post is too long (at most {max_chars} characters).")
    return cleaned


def clean_text(value: str, max_chars: int) -> str:
    """Plain text: NFC, no control characters but newlines, trimmed; Problem if too long.

    It is deliberately not HTML-escaped: plain fields are never parsed as HTML (the client sets
    them with ``textContent``; exports write cells, CSV fields and image text), so
    ``"a <b> c"`` stays ``"a <b> c"`` and shows exactly as typed. Escaping here would show
    ``&lt;b&gt;`` to people and double-escape anywhere that escapes on output.
    """
    cleaned = _strip_controls(value, keep="\n").strip()
    if len(cleaned) > max_chars:
        raise Problem("validation-error", f"The text is too long (at most {max_chars} characters).")
    return cleaned


def safe_url(url: str | None) -> str | None:
    """An absolute http(s) URL with its scheme lowercased, None when blank; else Problem.

    Control characters and whitespace inside the URL are refused rather than removed (browsers
    drop tabs and newlines, so ``java\\tscript:`` would otherwise become ``javascript:``), and
    the URL must literally start with its scheme, so entity-encoded, scheme-relative (``//``)
    and other-scheme links (javascript:, data:, vbscript:, file:) are all refused.
    """
    if url is None or not url.strip():
        return None
    url = url.strip()
    if len(url) > URL_MAX_CHARS or any(ch.isspace() or not ch.isprintable() for ch in url):
        raise Problem("validation-error", _BAD_LINK)
    if not _is_absolute(url, frozenset({"http", "https"})):
        raise Problem("validation-error", _BAD_LINK)
    scheme = urlsplit(url).scheme
    return scheme.lower() + url[len(scheme) :]


def css_colour(value: str) -> str:
    """A post colour: one of ``POST_COLOURS`` or ``#rgb``/``#rrggbb``, lowercased; else Problem."""
    colour = value.strip().lower()
    if colour in POST_COLOURS or _HEX_COLOUR.fullmatch(colour):
        return colour
    raise Problem("validation-error", "A colour is a palette name or #rgb / #rrggbb.")
