"""WCAG 2.2 AA text contrast of interactive controls in every state: resting, hovered, keyboard-focused.

axe-core checks the page as it is when it runs, which is the resting state: a hover or focus style that
turns a pressed toggle's white text onto a pale background goes unnoticed. ``audit_control_states``
therefore puts each visible control into each state in turn (the mouse over it; keyboard focus by
Tab, so ``:focus-visible`` applies) and computes, from the computed styles in that state, the contrast of
every piece of text inside it against the background actually painted behind it (semi-transparent
layers blended, gradients checked at each of their colour stops).
"""

from __future__ import annotations

from playwright.sync_api import Page

CONTROLS = "a[href], button, summary, [role=button], [aria-pressed], input[type=submit]"

# Colour helpers shared by the checks below: parse a CSS colour, blend layers, WCAG luminance and ratio, and
# the colour(s) actually painted behind an element (semi-transparent layers blended; gradients: each stop).
_COLOUR_JS = r"""
  const parse = (c) => {
    const m = c && c.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const blend = (top, bottom) => {
    const a = top[3];
    return [0, 1, 2].map((i) => top[i] * a + bottom[i] * (1 - a)).concat([1]);
  };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  const backgrounds = (el) => {
    const layers = [];
    let bases = [[255, 255, 255, 1]];
    for (let e = el; e; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.backgroundImage && s.backgroundImage.includes("gradient")) {
        const stops = (s.backgroundImage.match(/rgba?\([^)]+\)/g) || []).map(parse);
        if (stops.length) { bases = stops.map((c) => blend(c, [255, 255, 255, 1])); break; }
      }
      const c = parse(s.backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    return bases.map((base) => layers.slice().reverse().reduce((under, layer) => blend(layer, under), base));
  };
"""

# Returns the failures for the element(s) given: one string per text piece below the AA ratio.
_CHECK_JS = r"""
([elements, state]) => {
  """ + _COLOUR_JS + r"""
  const describe = (el) => {
    const text = (el.innerText || el.value || el.getAttribute("aria-label") || "").trim().replace(/\s+/g, " ").slice(0, 50);
    const pressed = el.closest("[aria-pressed]")?.getAttribute("aria-pressed");
    return `<${el.tagName.toLowerCase()} class="${el.className}">${text}${pressed ? ` [aria-pressed=${pressed}]` : ""}`;
  };
  const failures = [];
  for (const control of elements) {
    if (!control || !control.checkVisibility || !control.checkVisibility()) continue;
    if (control.disabled || control.getAttribute("aria-disabled") === "true") continue;  // inactive: exempt
    for (const el of [control, ...control.querySelectorAll("*")]) {
      const hasText = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
      if (!hasText || !el.checkVisibility()) continue;
      const rect = el.getBoundingClientRect();
      if (rect.width <= 1 || rect.height <= 1) continue;  // visually hidden text
      const s = getComputedStyle(el);
      const size = parseFloat(s.fontSize), weight = parseInt(s.fontWeight, 10);
      const needed = size >= 24 || (size >= 18.66 && weight >= 700) ? 3 : 4.5;
      const colour = parse(s.color);
      for (const bg of backgrounds(el)) {
        const fg = colour[3] < 1 ? blend(colour, bg) : colour;
        const r = ratio(fg, bg);
        if (r < needed - 0.005) {
          failures.push(`${state}: ${describe(control)}: ${s.color} on rgb(${bg.slice(0, 3).map(Math.round).join(", ")}) = ${r.toFixed(2)}:1 (needs ${needed}:1)`);
          break;
        }
      }
    }
  }
  return failures;
}
"""


def contrast_failures(page: Page, selector: str = CONTROLS, state: str = "resting") -> list[str]:
    """Text contrast failures of every control matching ``selector`` as the page is now."""
    return page.evaluate(f"(state) => ({_CHECK_JS})([[...document.querySelectorAll({selector!r})], state])", state)


def _check_element(page: Page, handle, state: str) -> list[str]:
    return page.evaluate(f"([el, state]) => ({_CHECK_JS})([[el], state])", [handle, state])


def audit_control_states(page: Page, selector: str = CONTROLS, max_tabs: int = 250) -> list[str]:
    """Contrast failures of every visible control at rest, under the mouse, and focused from the keyboard."""
    failures = contrast_failures(page, selector, "resting")
    # Hover: the mouse over each visible control in turn.
    handles = page.query_selector_all(selector)
    for handle in handles:
        if not handle.is_visible():
            continue
        box = handle.bounding_box()
        if not box or box["width"] < 2 or box["height"] < 2:
            continue
        handle.scroll_into_view_if_needed()
        box = handle.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        failures += _check_element(page, handle, "hover")
    page.mouse.move(0, 0)
    # Focus: Tab through the page from the top (keyboard focus, so :focus-visible styles apply).
    page.evaluate("() => { document.activeElement?.blur(); window.scrollTo(0, 0); }")
    seen = 0
    for _ in range(max_tabs):
        page.keyboard.press("Tab")
        result = page.evaluate(
            f"""(sel) => {{
                const el = document.activeElement;
                if (!el || el === document.body) return null;
                const control = el.matches(sel) ? el : null;
                return control ? ({_CHECK_JS})([[control], "focus"]) : [];
            }}""",
            selector,
        )
        if result is None:
            break
        seen += 1
        failures += result
    assert seen > 0, "no control took keyboard focus"
    return list(dict.fromkeys(failures))


# The focus indicator of the focused element: its outline (at least 2px) and/or box-shadow ring. Passes when
# one of the ring's tones reaches 3:1 against the background right around the control (WCAG 1.4.11 / 2.4.13),
# at every colour stop of a gradient behind it. Returns a failure string, or "" when it passes.
_FOCUS_RING_JS = r"""
(el) => {
  """ + _COLOUR_JS + r"""
  const s = getComputedStyle(el);
  const tones = [];
  if (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2) tones.push(parse(s.outlineColor));
  for (const m of (s.boxShadow || "").matchAll(/rgba?\([^)]+\)[^,]*?(\d+(?:\.\d+)?)px\s*(?:,|$)/g)) {
    if (parseFloat(m[1]) >= 2) tones.push(parse(m[0]));  // a spread of 2px or more: a ring
  }
  const name = `<${el.tagName.toLowerCase()} class="${el.className}">${(el.innerText || el.value || el.getAttribute("aria-label") || "").trim().slice(0, 40)}`;
  if (!tones.filter(Boolean).length) return `${name}: no focus ring (outline ${s.outlineStyle} ${s.outlineWidth}, box-shadow ${s.boxShadow})`;
  for (const bg of backgrounds(el.parentElement)) {
    const best = Math.max(...tones.filter(Boolean).map((t) => ratio(t[3] < 1 ? blend(t, bg) : t, bg)));
    if (best < 3 - 0.005) return `${name}: focus ring ${best.toFixed(2)}:1 on rgb(${bg.slice(0, 3).map(Math.round).join(", ")}) (needs 3:1)`;
  }
  return "";
}
"""


def focus_ring_failures(page: Page, selector: str = CONTROLS, max_tabs: int = 250) -> list[str]:
    """Tab through the page from the top; for every control that takes keyboard focus, check that its focus
    ring stands out (3:1) from the background around it."""
    page.evaluate("() => { document.activeElement?.blur(); window.scrollTo(0, 0); }")
    failures, seen = [], 0
    for _ in range(max_tabs):
        page.keyboard.press("Tab")
        result = page.evaluate(
            f"""(sel) => {{
                const el = document.activeElement;
                if (!el || el === document.body) return null;
                return el.matches(sel + ", input, select, textarea") ? ({_FOCUS_RING_JS})(el) : "";
            }}""",
            selector,
        )
        if result is None:
            break
        seen += 1
        if result:
            failures.append(result)
    assert seen > 0, "no control took keyboard focus"
    return list(dict.fromkeys(failures))
