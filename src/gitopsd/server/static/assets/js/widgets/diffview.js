// Live versus desired for one object: the changes as a unified diff (− live, + desired:
// what a sync would do), or either side in full. Every line is a text node.

import { countChanges, hunks, lineDiff, normalizeDesired, projectOnto } from "../diff.js";
import { h, replace, uid } from "../dom.js";
import { toYaml } from "../yaml.js";

function lineNode(edit) {
  const kind = edit.op === "+" ? "add" : edit.op === "-" ? "del" : "same";
  return h(
    "span",
    { class: `diff-line diff-${kind}` },
    h("span", { class: "diff-num", "aria-hidden": "true" }, edit.a ? String(edit.a) : ""),
    h("span", { class: "diff-num", "aria-hidden": "true" }, edit.b ? String(edit.b) : ""),
    h("span", { class: "diff-sign" }, edit.op === " " ? " " : edit.op === "-" ? "−" : "+"),
    h("span", { class: "diff-text" }, edit.text),
    "\n",
  );
}

function unified(edits) {
  const { groups, skippedAfter } = hunks(edits, 3);
  const out = [];
  for (const group of groups) {
    if (group.skippedBefore) out.push(h("span", { class: "diff-skip" }, `⋯ ${group.skippedBefore} unchanged lines\n`));
    out.push(...group.lines.map(lineNode));
  }
  if (skippedAfter && groups.length) out.push(h("span", { class: "diff-skip" }, `⋯ ${skippedAfter} unchanged lines\n`));
  return out;
}

/** The comparison of `live` with `desired` (either may be null). */
export function compare(live, wanted) {
  const desired = normalizeDesired(wanted);
  const liveText = live ? toYaml(desired ? projectOnto(live, desired) : live) : "";
  const desiredText = desired ? toYaml(desired) : "";
  const edits = lineDiff(liveText ? liveText.trimEnd().split("\n") : [], desiredText ? desiredText.trimEnd().split("\n") : []);
  return { edits, ...countChanges(edits) };
}

export function diffView({ live, desired, label = "Differences" }) {
  const result = compare(live, desired);
  const modes = [
    ["changes", "Changes"],
    ["desired", "Desired (Git)"],
    ["live", "Live (cluster)"],
  ];
  const name = uid("diffmode");
  const body = h("div", { class: "diff-body" });
  const status = h("p", { class: "diff-summary" });
  function show(mode) {
    if (mode === "changes") {
      if (!live && !desired) status.textContent = "Neither a live nor a desired state is known.";
      else if (!live) status.textContent = "Not in the cluster: a sync creates it.";
      else if (!desired) status.textContent = "Not rendered from Git: the live object is shown; a sync with prune deletes it.";
      else if (result.added + result.removed === 0) status.textContent = "The fields Git sets match the live object.";
      else status.textContent = `${result.removed} live line(s) differ from ${result.added} desired line(s). − live, + desired.`;
      replace(body, h("pre", { class: "code diff", tabindex: "0", "aria-label": label }, unified(result.edits)));
    } else {
      const value = mode === "live" ? live : desired;
      status.textContent = value ? "" : mode === "live" ? "Not in the cluster." : "Not rendered from Git.";
      replace(body, value ? h("pre", { class: "code", tabindex: "0", "aria-label": mode === "live" ? "Live YAML" : "Desired YAML" }, toYaml(value)) : null);
    }
  }
  const switcher = h(
    "div",
    { class: "segmented", role: "radiogroup", "aria-label": "Show" },
    modes.map(([id, text]) => {
      const inputId = uid("mode");
      return h(
        "span",
        { class: "segmented-radio" },
        h("input", { type: "radio", name, id: inputId, value: id, checked: id === "changes", onchange: () => show(id) }),
        h("label", { for: inputId }, text),
      );
    }),
  );
  show("changes");
  return { element: h("div", { class: "diff-view" }, switcher, status, body), ...result };
}
