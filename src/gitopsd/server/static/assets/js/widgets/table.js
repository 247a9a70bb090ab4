// A data table that scrolls sideways on narrow screens: a caption for screen readers,
// the column headers, then the body the caller builds (a tbody it may keep and refill).

import { h } from "../dom.js";

/** `kind` is the table's own class beside data-table (apps-table, events-table). */
export function dataTable({ kind, caption, headers }, body) {
  return h(
    "div",
    { class: "table-scroll" },
    h(
      "table",
      { class: kind ? `data-table ${kind}` : "data-table" },
      h("caption", { class: "visually-hidden" }, caption),
      h("thead", null, h("tr", null, headers.map((header) => h("th", { scope: "col" }, header)))),
      body,
    ),
  );
}
