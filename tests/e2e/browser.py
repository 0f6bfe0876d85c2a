"""What the browser tests share: signing in, spotting reloads, and the accessibility audit."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.test import Client


def sign_in(context, live_server, user) -> None:
    """Give the browser context the session cookie of a signed-in `user`."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )


def mark_page(page) -> None:
    """A flag that only survives if the page is never reloaded."""
    page.evaluate("window.__sameDocument = true")


def same_document(page) -> bool:
    return page.evaluate("window.__sameDocument === true")


WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
VIEWPORTS = {
    "desktop": {"width": 1280, "height": 900},
    "phone": {"width": 375, "height": 812},
}
# The smallest target WCAG 2.2 (2.5.8) accepts; checked by hand below, axe 4 has no AA rule.
MIN_TARGET = 24

axe = Axe()


# Best-practice rules about headings and landmarks, run on top of the WCAG-tagged ones.
STRUCTURE_RULES = [
    "empty-heading",
    "heading-order",
    "landmark-one-main",
    "landmark-unique",
    "page-has-heading-one",
    "region",
]


def summarise(violations: list[dict]) -> str:
    lines = [f"{len(violations)} accessibility violation(s):"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    {target}")
            lines.append(f"      {node['failureSummary'].replace(chr(10), ' / ')}")
    return "\n".join(lines)


def small_targets(page) -> list[str]:
    """Visible links, buttons and inputs smaller than MIN_TARGET in both directions, except
    links inside a sentence (WCAG 2.5.8's inline exception)."""
    return page.evaluate(
        """(min) => {
          const found = [];
          const inline = (el) => el.tagName === "A" && getComputedStyle(el).display === "inline";
          for (const el of document.querySelectorAll("a[href], button, input, select, textarea, summary")) {
            if (el.type === "hidden" || inline(el)) continue;
            const box = el.getBoundingClientRect();
            if (!box.width || !box.height) continue;  // not rendered
            if (box.width < min || box.height < min) {
              found.push(`${el.outerHTML.slice(0, 90)} (${Math.round(box.width)}x${Math.round(box.height)})`);
            }
          }
          return found;
        }""",
        MIN_TARGET,
    )


def duplicate_ids(page) -> list[str]:
    # axe 4.7+ dropped its duplicate-id rules; a label's `for` or an aria reference to a
    # duplicated id still reaches the wrong element.
    return page.evaluate(
        """() => {
          const counts = {};
          for (const el of document.querySelectorAll("[id]")) counts[el.id] = (counts[el.id] || 0) + 1;
          return Object.keys(counts).filter((id) => counts[id] > 1);
        }"""
    )


def broken_references(page) -> list[str]:
    """aria-labelledby / aria-describedby that name no element or an empty one: axe accepts
    a reference to an empty element, but a screen reader then reads nothing."""
    return page.evaluate(
        """() => {
          const broken = [];
          for (const attr of ["aria-labelledby", "aria-describedby"]) {
            for (const el of document.querySelectorAll(`[${attr}]`)) {
              for (const id of el.getAttribute(attr).split(/\\s+/).filter(Boolean)) {
                const target = document.getElementById(id);
                if (!target) broken.push(`${attr}="${id}" on #${el.id}: no such element`);
                else if (!target.textContent.trim() && !target.hasAttribute("aria-label"))
                  broken.push(`${attr}="${id}" on #${el.id}: the element is empty`);
              }
            }
          }
          return broken;
        }"""
    )


def audit(page) -> list[str]:
    """What is wrong with the page as it is now: axe's findings, sideways scrolling, targets
    too small to tap, duplicate ids and labels or descriptions that point at nothing."""
    # No exclusions: Leaflet's own controls pass too (axe only leaves its scale line and
    # the zoom buttons' glyphs "to review", and those read fine).
    results = axe.run(
        page,
        options={
            "runOnly": {"type": "tag", "values": WCAG_TAGS},
            # Best-practice rules about the page's outline, on top of WCAG's.
            "rules": {rule: {"enabled": True} for rule in STRUCTURE_RULES},
            "resultTypes": ["violations"],
        },
    )
    problems = []
    if violations := results.response["violations"]:
        problems.append(summarise(violations))
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 0:
        problems.append(f"The page is {overflow}px wider than the window.")
    if duplicates := duplicate_ids(page):
        problems.append(f"Duplicate ids: {', '.join(duplicates)}")
    if broken := broken_references(page):
        problems.append("Labels and descriptions pointing at nothing:\n" + "\n".join(broken))
    if small := small_targets(page):
        problems.append(f"Targets under {MIN_TARGET}px:\n" + "\n".join(f"    {t}" for t in small))
    return problems
