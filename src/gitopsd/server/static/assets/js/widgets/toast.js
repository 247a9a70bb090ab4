// Short notices after an action ("Sync requested"), read out by screen readers through a
// live region; errors use an assertive region. They leave by themselves after a while.

import { h } from "../dom.js";
import { icon } from "./icons.js";

let polite = null;
let assertive = null;

function regions() {
  if (!polite) {
    const stack = h("div", { class: "toasts" });
    polite = h("div", { role: "status", "aria-live": "polite" });
    assertive = h("div", { role: "alert", "aria-live": "assertive" });
    stack.append(polite, assertive);
    document.body.appendChild(stack);
  }
  return { polite, assertive };
}

export function toast(message, kind = "info", ms = 6000) {
  const { polite: calm, assertive: urgent } = regions();
  const item = h(
    "div",
    { class: `toast toast-${kind}` },
    h("span", { class: "toast-text" }, message),
    h("button", { type: "button", class: "icon-button", "aria-label": "Dismiss", onclick: () => item.remove() }, icon("close")),
  );
  (kind === "error" ? urgent : calm).appendChild(item);
  setTimeout(() => item.remove(), kind === "error" ? ms * 2 : ms);
}
