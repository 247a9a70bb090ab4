// Small line icons drawn from our own path data (16×16). Always decorative: the text
// next to them says the same, so they are hidden from assistive technology.

import { svg } from "../dom.js";

const PATHS = {
  check: [["path", { d: "M3 8.5l3.2 3.2L13 4.8" }]],
  cross: [["path", { d: "M4.5 4.5l7 7M11.5 4.5l-7 7" }]],
  up: [["path", { d: "M8 13V3.5M4.2 7.3L8 3.5l3.8 3.8" }]],
  heart: [["path", { d: "M8 13.2S2.6 10 2.6 6.3A2.8 2.8 0 0 1 8 5a2.8 2.8 0 0 1 5.4 1.3C13.4 10 8 13.2 8 13.2z" }]],
  broken: [["path", { d: "M8 13.2S2.6 10 2.6 6.3A2.8 2.8 0 0 1 8 5l-1 2.5 2 1.5-1 2" }], ["path", { d: "M9.3 4.2a2.8 2.8 0 0 1 4.1 2.1c0 2.4-2.3 4.6-3.9 5.9" }]],
  spin: [["path", { d: "M13.5 8A5.5 5.5 0 1 1 8 2.5" }]],
  pause: [["path", { d: "M6 4v8M10 4v8" }]],
  ghost: [["circle", { cx: 8, cy: 8, r: 5.5, "stroke-dasharray": "2 2" }]],
  question: [["path", { d: "M6 6.2a2 2 0 1 1 3 1.7c-.7.4-1 .9-1 1.7" }], ["path", { d: "M8 12.2v.1" }]],
  refresh: [["path", { d: "M13 8a5 5 0 1 1-1.5-3.6M13 3v2.6h-2.6" }]],
  sync: [["path", { d: "M3 6.5a5 5 0 0 1 9-1.5M13 3v2.5h-2.5M13 9.5a5 5 0 0 1-9 1.5M3 13v-2.5h2.5" }]],
  history: [["path", { d: "M2.8 8a5.2 5.2 0 1 0 1.5-3.7M2.8 2.8v2.4h2.4M8 5.2V8l2 1.4" }]],
  trash: [["path", { d: "M3 4.5h10M6.5 4.5V3h3v1.5M4.5 4.5l.6 8.5h5.8l.6-8.5" }]],
  stop: [["rect", { x: 4, y: 4, width: 8, height: 8, rx: 1 }]],
  play: [["path", { d: "M5 3.5v9l7-4.5z" }]],
  grid: [["path", { d: "M3 3h4v4H3zM9 3h4v4H9zM3 9h4v4H3zM9 9h4v4H9z" }]],
  list: [["path", { d: "M3 4h10M3 8h10M3 12h10" }]],
  filter: [["path", { d: "M2.5 3.5h11L9.3 8.6v4l-2.6 1V8.6z" }]],
  menu: [["path", { d: "M2.5 4h11M2.5 8h11M2.5 12h11" }]],
  close: [["path", { d: "M4 4l8 8M12 4l-8 8" }]],
  branch: [["circle", { cx: 5, cy: 3.5, r: 1.5 }], ["circle", { cx: 5, cy: 12.5, r: 1.5 }], ["circle", { cx: 11, cy: 5.5, r: 1.5 }], ["path", { d: "M5 5v6M11 7c0 2.5-6 2-6 4" }]],
  chevron: [["path", { d: "M6 3.5L10.5 8 6 12.5" }]],
  logo: [["circle", { cx: 8, cy: 8, r: 6 }], ["path", { d: "M8 2v12M2 8h12" }]],
};

export function icon(name, extraClass = "") {
  const shapes = PATHS[name] || PATHS.question;
  return svg(
    "svg",
    {
      class: `icon icon-${name} ${extraClass}`.trim(),
      viewBox: "0 0 16 16",
      width: 16,
      height: 16,
      "aria-hidden": "true",
      focusable: "false",
    },
    ...shapes.map(([tag, attrs]) => svg(tag, attrs)),
  );
}
