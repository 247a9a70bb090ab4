// Tabs with the WAI-ARIA pattern: arrow keys, Home and End move between tabs, Tab moves
// into the panel. Panels render lazily, the first time they are shown.

import { h, uid } from "../dom.js";

/** tabs([{id, label, render(panel)}], {selected, onChange}) → {element, select(id)} */
export function tabs(items, { selected, onChange, label } = {}) {
  const base = uid("tab");
  const buttons = new Map();
  const panels = new Map();
  const rendered = new Set();
  const list = h("div", { class: "tabs", role: "tablist", "aria-label": label || "Sections" });
  const body = h("div", { class: "tab-panels" });
  for (const item of items) {
    const tabId = `${base}-${item.id}`;
    const panelId = `${tabId}-panel`;
    const button = h(
      "button",
      { type: "button", role: "tab", id: tabId, "aria-controls": panelId, class: "tab", onclick: () => select(item.id, true) },
      item.label,
    );
    const panel = h("div", { role: "tabpanel", id: panelId, "aria-labelledby": tabId, class: "tab-panel", tabindex: "0", hidden: true });
    buttons.set(item.id, button);
    panels.set(item.id, panel);
    list.appendChild(button);
    body.appendChild(panel);
  }
  list.addEventListener("keydown", (event) => {
    const ids = items.map((i) => i.id);
    const current = ids.findIndex((id) => buttons.get(id) === document.activeElement);
    if (current < 0) return;
    let next = -1;
    if (event.key === "ArrowRight") next = (current + 1) % ids.length;
    else if (event.key === "ArrowLeft") next = (current - 1 + ids.length) % ids.length;
    else if (event.key === "Home") next = 0;
    else if (event.key === "End") next = ids.length - 1;
    if (next >= 0) {
      event.preventDefault();
      select(ids[next], true);
      buttons.get(ids[next]).focus();
    }
  });
  function select(id, byUser = false) {
    for (const item of items) {
      const on = item.id === id;
      const button = buttons.get(item.id);
      button.setAttribute("aria-selected", on ? "true" : "false");
      button.tabIndex = on ? 0 : -1;
      panels.get(item.id).hidden = !on;
      if (on && !rendered.has(item.id)) {
        rendered.add(item.id);
        item.render(panels.get(item.id));
      }
    }
    if (byUser && onChange) onChange(id);
  }
  select(selected && buttons.has(selected) ? selected : items[0].id);
  return { element: h("div", { class: "tabset" }, list, body), select, panel: (id) => panels.get(id) };
}
