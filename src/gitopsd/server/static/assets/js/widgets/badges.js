// Sync, health and operation badges: an icon, the status word, a colour. The word is
// always there, so colour is never the only signal.

import { h } from "../dom.js";
import { slug } from "../format.js";
import { icon } from "./icons.js";

const ICONS = {
  synced: "check",
  outofsync: "up",
  healthy: "heart",
  progressing: "spin",
  degraded: "broken",
  suspended: "pause",
  missing: "ghost",
  succeeded: "check",
  running: "spin",
  pending: "spin",
  terminating: "spin",
  failed: "cross",
  error: "cross",
};

const LABELS = { outofsync: "OutOfSync" };

/** kind: "sync" | "health" | "op"; status: the word from the API. */
export function badge(kind, status, extra = {}) {
  const word = status || "Unknown";
  const key = slug(word).replace(/-/g, "");
  return h(
    "span",
    { class: `badge badge-${key}`, "data-kind": kind, title: extra.title || undefined },
    icon(ICONS[key] || "question"),
    h("span", { class: "badge-text" }, LABELS[key] || word),
    extra.detail ? h("span", { class: "badge-detail" }, extra.detail) : null,
  );
}
