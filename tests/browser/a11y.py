"""Accessibility and look for the browser tests: axe-core's WCAG 2.2 AA rules on a page,
full-page screenshots, walking a page by keyboard, and the Korean fonts Chromium needs to draw
Hangul (without them a screenshot shows boxes, and text measures wrong).

axe-core is vendored in ``vendor/axe-core`` (version and checksums in its VERSION file)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.async_api import Page

from tests import debian

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
REPOSITORY = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPOSITORY / "test-output" / "screenshots"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
FAILING_IMPACTS = ("serious", "critical")
NOTO_CJK = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"  # Debian's fonts-noto-cjk
NOTO_EMOJI = "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf"  # fonts-noto-color-emoji

_NODES_SHOWN = 3

# The accessible name as far as a test needs it (not the full accname algorithm), and one
# focusable element's description; shared by tab_through and interactive_controls so their
# records compare equal.
_DESCRIBE_JS = """
const accessibleName = (el) => {
  const byIds = (el.getAttribute("aria-labelledby") || "").split(/\\s+/).filter(Boolean)
    .map((id) => document.getElementById(id)).filter(Boolean)
    .map((ref) => ref.textContent.trim()).join(" ");
  const labels = el.labels ? [...el.labels].map((l) => l.textContent.trim()).join(" ") : "";
  const text = (el.getAttribute("aria-label") || "").trim() || byIds || labels
    || (el.getAttribute("alt") || "").trim() || (el.textContent || "").trim()
    || (el.getAttribute("title") || "").trim() || (el.getAttribute("placeholder") || "").trim()
    || (el.value && ["button", "submit", "reset"].includes(el.type) ? el.value : "");
  return text.replace(/\\s+/g, " ");
};
const describe = (el) => ({
  tag: el.tagName.toLowerCase(),
  id: el.id || null,
  role: el.getAttribute("role"),
  name: accessibleName(el),
});
"""

_FOCUSED_JS = (
    "() => {"
    + _DESCRIBE_JS
    + """
  const el = document.activeElement;
  if (!document.hasFocus() || el === null || el === document.body
      || el === document.documentElement) return null;
  window.__a11yTabbed = window.__a11yTabbed || [];
  const seen = window.__a11yTabbed.indexOf(el);
  window.__a11yTabbed.push(el);
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const shadow = style.boxShadow !== "none" && style.boxShadow !== "";
  return { ...describe(el), seen, focus_visible: outline || shadow };
}"""
)

_START_JS = """() => {
  window.__a11yTabbed = [];
  if (document.activeElement) document.activeElement.blur();
  // Focusing <body> puts the sequential focus navigation starting point at the top.
  const had = document.body.getAttribute("tabindex");
  document.body.setAttribute("tabindex", "-1");
  document.body.focus();
  if (had === null) document.body.removeAttribute("tabindex");
  else document.body.setAttribute("tabindex", had);
  window.scrollTo(0, 0);
}"""

_CONTROLS_JS = (
    "() => {"
    + _DESCRIBE_JS
    + """
  const selector = 'button, a[href], input:not([type="hidden"]), select, textarea, '
    + '[tabindex]:not([tabindex="-1"]), summary';
  const visible = (el) => el.checkVisibility({ visibilityProperty: true })
    && el.getClientRects().length > 0;
  const enabled = (el) => !el.matches(":disabled") && !el.closest("[inert]");
  const reachable = (el) => {
    if (el.matches("summary")) return el.parentElement?.matches("details")
      && el.parentElement.querySelector(":scope > summary") === el;
    if (el.matches('input[type="radio"]') && el.name) {
      // Tab stops once per radio group: on the checked one, else the first.
      const group = [...document.querySelectorAll('input[type="radio"]')]
        .filter((r) => r.name === el.name && r.form === el.form && visible(r) && enabled(r));
      return el === (group.find((r) => r.checked) || group[0]);
    }
    return true;
  };
  return [...document.querySelectorAll(selector)]
    .filter((el) => visible(el) && enabled(el) && reachable(el)).map(describe);
}"""
)


def ensure_korean_fonts() -> Path:
    """Debian's Noto CJK fonts (Hangul included) and colour emoji (the class's reactions and
    control icons, which every phone draws), installed when missing; the CJK fonts' path."""
    debian.ensure_file(NOTO_EMOJI, "fonts-noto-color-emoji")
    return debian.ensure_file(NOTO_CJK, "fonts-noto-cjk")


async def assert_accessible(page: Page, *, context: str | None = None) -> None:
    """Run axe-core's WCAG 2.0/2.1/2.2 A and AA rules on the page as it is now; fail listing
    every serious or critical violation. ``context`` names the page state in the message."""
    if not await page.evaluate("() => typeof window.axe !== 'undefined'"):
        # evaluated through the DevTools protocol: a <script> tag would be inline script,
        # which the pages' Content-Security-Policy blocks (as it should)
        await page.evaluate(AXE.read_text("utf-8"))
    results: dict[str, Any] = await page.evaluate(
        """(tags) => axe.run(document, { runOnly: { type: "tag", values: tags } })
          .then((r) => ({ violations: r.violations, version: r.testEngine.version }))""",
        WCAG_TAGS,
    )
    failing = [v for v in results["violations"] if v.get("impact") in FAILING_IMPACTS]
    if failing:
        where = f" ({context})" if context else ""
        lines = [
            f"axe-core {results['version']} found {len(failing)} serious or critical "
            f"accessibility violation(s) on {page.url}{where}:"
        ]
        for violation in failing:
            lines.append(
                f"- [{violation['impact']}] {violation['id']}: {violation['help']}"
                f" ({violation['helpUrl']})"
            )
            nodes = violation["nodes"]
            for node in nodes[:_NODES_SHOWN]:
                target = " ".join(str(part) for part in node["target"])
                summary = (node.get("failureSummary") or "").replace("\n", "\n      ")
                lines.append(f"    {target}\n      {summary}")
            if len(nodes) > _NODES_SHOWN:
                lines.append(f"    … and {len(nodes) - _NODES_SHOWN} more element(s)")
        raise AssertionError("\n".join(lines))


async def screenshot(page: Page, name: str) -> Path:
    """A full-page PNG at ``test-output/screenshots/<name>.png`` in the repository."""
    path = SCREENSHOTS / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=path, full_page=True)
    return path


async def tab_through(page: Page, limit: int = 200) -> list[dict[str, Any]]:
    """Press Tab from the top of the page and record each element that takes focus (tag, id,
    role, name, and ``focus_visible``: whether it draws an outline or a box-shadow), until
    focus comes back to an element already seen or leaves the document (or after ``limit``
    presses)."""
    await page.evaluate(_START_JS)
    reached: list[dict[str, Any]] = []
    for _ in range(limit):
        await page.keyboard.press("Tab")
        focused: dict[str, Any] | None = await page.evaluate(_FOCUSED_JS)
        if focused is None or focused.pop("seen") >= 0:
            break
        reached.append(focused)
    return reached


async def interactive_controls(page: Page) -> list[dict[str, Any]]:
    """The visible, enabled controls a keyboard should reach (tag, id, role, name), in document
    order; radio groups count once and only a <details>'s own <summary> counts."""
    controls: list[dict[str, Any]] = await page.evaluate(_CONTROLS_JS)
    return controls
