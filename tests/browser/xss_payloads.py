"""Hostile text for the stored-XSS test: each payload, if it ever ran or loaded, would call the beacon
(a tiny HTTP server of the test's own), open a dialog, or leave an element the DOM check finds.

Every payload carries its marker, `xss<N>`: attributes and script texts of a page are searched for it.
`§B` stands for the beacon's origin and `§M` for the marker until `payloads(beacon)` fills them in.
"""

from dataclasses import dataclass

LONG_FILLER = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 70

TEMPLATES = [
    # Plain script tags, loaded and inline.
    "<script>fetch('§B/hit?id=§M')</script>",
    "<script src=§B/s.js?id=§M></script>",
    "<SCRIPT>alert('§M')</SCRIPT>",
    # Event handlers on elements that fire by themselves.
    "<img src=x onerror=\"fetch('§B/hit?id=§M')\">",
    "<img src=§B/img?id=§M>",
    "<svg onload=alert('§M')>",
    "<svg><script>alert('§M')</script></svg>",
    "<body onload=alert('§M')>",
    "<details open ontoggle=alert('§M')>",
    "<input autofocus onfocus=alert('§M')>",
    "<svg><animate onbegin=alert('§M') attributeName=x dur=1s>",
    "<video><source onerror=alert('§M')>",
    "<marquee onstart=alert('§M')>",
    "<img\tsrc=x\tonerror=alert('§M')>",
    # javascript: and data: URLs, in links and as whole values (for URL fields and links built from text).
    "<a href=\"javascript:alert('§M')\">§M</a>",
    "javascript:alert('§M')",
    "JaVaScRiPt:fetch('§B/hit?id=§M')",
    " \tjavascript:alert('§M')",
    "<a href=\"data:text/html,<script>alert('§M')</script>\">§M</a>",
    "<IMG SRC=JaVaScRiPt:alert('§M')>",
    # Breaking out of an attribute, quoted either way or not at all.
    '" onmouseover="alert(\'§M\')" x="',
    "\"><script>alert('§M')</script>",
    "'><script>alert('§M')</script>",
    "' autofocus onfocus='alert(\"§M\")",
    "\" autofocus onfocus=\"alert('§M')",
    "x onmouseover=alert('§M')",
    # Breaking out of the elements whose text is not parsed as markup.
    "</textarea><script>alert('§M')</script>",
    "</title><script>alert('§M')</script>",
    "</script><script>alert('§M')</script>",
    "</style><script>alert('§M')</script>",
    "--><script>alert('§M')</script><!--",
    # htmx attributes: text rendered as HTML would make htmx fetch, swap or run code.
    '<div hx-get="§B/hit?id=§M" hx-trigger="load">§M</div>',
    "<button hx-on:click=\"alert('§M')\">§M</button>",
    '<div hx-get="/accounts/logout/?§M" hx-trigger="load" hx-target="body">§M</div>',
    '" hx-get="§B/hit?id=§M" hx-trigger="load',
    '<div hx-post="/leads/import/" hx-vals=\'{"§M": 1}\' hx-trigger="revealed">§M</div>',
    '<div data-hx-get="§B/hit?id=§M" data-hx-trigger="load">§M</div>',
    # Template injection: evaluated, these would show XSS<N> in capitals.
    "{{ '§M'|upper }}",
    "{% filter upper %}§M{% endfilter %}",
    "${'§M'.toUpperCase()} #{§M} {{7*7}}",
    # CSS.
    "<div style=\"background:url(javascript:alert('§M'))\">§M</div>",
    "<div style=\"width: expression(alert('§M'))\">§M</div>",
    "<style>@import '§B/c.css?id=§M';</style>",
    # Frames, base, refresh and other ways to load or navigate.
    "<iframe srcdoc=\"<script>parent.alert('§M')</script>\"></iframe>",
    "<iframe src=\"javascript:alert('§M')\"></iframe>",
    '<base href="§B/§M/">',
    '<meta http-equiv="refresh" content="0;url=§B/hit?id=§M">',
    '<object data="§B/o?id=§M"></object>',
    '<embed src="§B/e?id=§M">',
    '<link rel=stylesheet href="§B/l.css?id=§M">',
    '<form action="§B/hit?id=§M"><button>§M</button></form>',
    # Parser confusion and encodings.
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('§M')>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert('§M')>\">",
    "<!--<img src=\"--><img src=x onerror=alert('§M')//\">",
    "<scr<script>ipt>alert('§M')</scr</script>ipt>",
    "＜script＞alert('§M')＜/script＞",
    "&lt;script&gt;alert('§M')&lt;/script&gt;",
    "\\u003cscript\\u003ealert('§M')\\u003c/script\\u003e",
    "%3Cscript%3Ealert('§M')%3C%2Fscript%3E",
    "\u202e<svg onload=alert('§M')>\u202c Zalgo z\u0351\u0354a\u0358l\u0352go 🚀",
    "\\\"-alert('§M')-\\\"",
    "'-alert('§M')-'",
    # Formulas for spreadsheets that open the exports.
    '=HYPERLINK("§B/hit?id=§M","§M")',
    "@SUM(1+1)*cmd|' /C calc'!A0 §M",
    "+cmd|' /C calc'!A0 §M",
    "-2+3+cmd|' /C calc'!A0 §M",
    # Very long text with a script at its end.
    LONG_FILLER + "<script>alert('§M')</script>",
]
# Addresses e-mail validation accepts (a quoted local part may hold almost anything).
EMAIL_TEMPLATES = [
    "\"<svg/onload=alert('§M')>\"@example.test",
    "\"<script>alert('§M')</script>\"@example.test",
    "\"'><img/src=x/onerror=alert('§M')>\"@example.test",
]
# Addresses URL validation accepts: whatever follows the host may be hostile.
URL_TEMPLATES = [
    "https://example.test/\"><script>alert('§M')</script>",
    "https://example.test/?q='><img/src=x/onerror=alert('§M')>",
    "http://example.test/§M\"/onmouseover=\"alert('§M')",
]


@dataclass(frozen=True)
class Payload:
    marker: str
    text: str


def _fill(template: str, beacon: str, marker: str) -> str:
    return template.replace("§B", beacon).replace("§M", marker)


def payloads(beacon: str) -> list[Payload]:
    """The payloads, numbered from 1, for a beacon at `beacon` (an origin like http://127.0.0.1:4567)."""
    return [Payload(f"xss{n}", _fill(t, beacon, f"xss{n}")) for n, t in enumerate(TEMPLATES, start=1)]


def email_payloads(start: int) -> list[Payload]:
    return [Payload(f"xss{n}", _fill(t, "", f"xss{n}")) for n, t in enumerate(EMAIL_TEMPLATES, start=start)]


def url_payloads(start: int) -> list[Payload]:
    return [Payload(f"xss{n}", _fill(t, "", f"xss{n}")) for n, t in enumerate(URL_TEMPLATES, start=start)]


class Rotation:
    """Hands out payloads in turn, each one short enough for the field at hand: every field sees many
    different payloads, every payload lands in many fields."""

    def __init__(self, items: list[Payload]):
        self.items = items
        self.position = 0
        self.used: dict[str, set[str]] = {}

    def next(self, field: str, limit: int = 100_000) -> str:
        for step in range(len(self.items)):
            item = self.items[(self.position + step) % len(self.items)]
            if len(item.text) <= limit:
                self.position = (self.position + step + 1) % len(self.items)
                self.used.setdefault(field, set()).add(item.marker)
                return item.text
        raise ValueError(f"no payload fits {limit} characters")
