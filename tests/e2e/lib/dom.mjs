// Page helpers shared by the suites and the benchmark, for either browser driver.

/** Clicks the extension's panel button `[data-action=ACTION]`, looking inside open shadow roots.
 * Returns the button's text (or the action), or null when there is no such button. */
export const clickAction = (d, action) => d.eval((a) => {
  const walk = (root) => {
    const hit = root.querySelector(`[data-action="${a}"]`);
    if (hit) return hit;
    for (const el of root.querySelectorAll('*')) if (el.shadowRoot) { const h = walk(el.shadowRoot); if (h) return h; }
    return null;
  };
  const b = walk(document);
  if (!b) return null;
  b.click();
  return (b.textContent || '').trim() || a;
}, action);
