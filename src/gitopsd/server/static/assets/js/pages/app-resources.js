// The application page's object views: the resource tree (the application's objects and
// what they own), the differences between live and desired objects with who drifted,
// and the panel that shows one object (summary, live manifest, diff, events).

import { get } from "../api.js";
import { h, replace, uid } from "../dom.js";
import { formatTime, relativeTime } from "../format.js";
import { badge } from "../widgets/badges.js";
import { openDialog } from "../widgets/dialog.js";
import { diffView } from "../widgets/diffview.js";
import { icon } from "../widgets/icons.js";
import { dataTable } from "../widgets/table.js";
import { tabs } from "../widgets/tabs.js";
import { toYaml } from "../yaml.js";

export const objectKey = (o) => `${o.group || ""}/${o.kind || ""}/${o.namespace || ""}/${o.name || ""}`;

function objectLabel(o) {
  return o.namespace ? `${o.namespace}/${o.name}` : o.name;
}

function parseState(text) {
  if (!text || text === "null") return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** The managed-resources answer as {items, byKey, message}, target and live parsed. */
export async function loadManaged(view) {
  const answer = await get(`${view.base}/managed-resources`, view.query);
  const items = (answer.items || []).map((item) => ({
    ...item,
    desired: parseState(item.targetState),
    live: parseState(item.liveState),
  }));
  return { items, byKey: new Map(items.map((item) => [objectKey(item), item])), message: answer.message || "" };
}

function loading(text) {
  return h("p", { class: "loading", role: "status" }, text);
}

function failure(message, retry) {
  return h(
    "div",
    { class: "notice notice-error", role: "alert" },
    h("p", null, message),
    retry ? h("button", { type: "button", class: "button button-secondary", onclick: retry }, "Retry") : null,
  );
}

function driftList(managers) {
  if (!managers || !managers.length) return null;
  return h(
    "div",
    { class: "drift" },
    h("h4", null, "Who drifted"),
    h("ul", { class: "drift-list" }, managers.map((text) => h("li", null, text))),
  );
}

/* ---------- the tree ---------- */

function buildForest(nodes) {
  const byUid = new Map();
  for (const node of nodes) if (node.uid) byUid.set(node.uid, { node, children: [] });
  const roots = [];
  for (const node of nodes) {
    const parent = node.parentRefs && node.parentRefs[0] && byUid.get(node.parentRefs[0].uid);
    const entry = (node.uid && byUid.get(node.uid)) || { node, children: [] };
    if (parent) parent.children.push(entry);
    else roots.push(entry);
  }
  return roots;
}

export function treePanel(view) {
  const container = h("div", { class: "tree-panel" });
  const status = h("p", { class: "muted tree-summary", role: "status" });
  const tree = h("ul", { class: "tree", "aria-label": "Resources" });
  replace(container, status, loading("Loading the resource tree…"));
  let drawn = false;

  function nodeRow(entry) {
    const { node } = entry;
    const key = objectKey(node);
    const isChild = Boolean(node.parentRefs && node.parentRefs.length);
    const health = node.health && node.health.status;
    return h(
      "li",
      { class: "tree-item", "data-key": key },
      h(
        "div",
        { class: ["tree-node", isChild && "tree-node-child"] },
        h(
          "button",
          {
            type: "button",
            class: "tree-open",
            "aria-haspopup": "dialog",
            "aria-label": `${node.kind} ${objectLabel(node)}`,
            onclick: () => openObject(view, node),
          },
          h("span", { class: "kind-chip" }, node.kind),
          h("span", { class: "tree-name" }, objectLabel(node)),
        ),
        h(
          "span",
          { class: "tree-badges" },
          node.status ? badge("sync", node.status) : null,
          health ? badge("health", health, { title: node.health.message || undefined }) : null,
        ),
      ),
      entry.children.length ? h("ul", { class: "tree-children" }, entry.children.map(nodeRow)) : null,
    );
  }

  async function load() {
    try {
      const answer = await get(`${view.base}/resource-tree`, view.query);
      const nodes = answer.nodes || [];
      const roots = buildForest(nodes);
      const focusedKey = container.contains(document.activeElement) ? document.activeElement.closest("[data-key]")?.dataset.key : null;
      replace(tree, roots.map(nodeRow));
      const owned = nodes.length - roots.length;
      status.textContent = nodes.length
        ? `${roots.length} object(s) from Git${owned ? `, ${owned} owned by them` : ""}.`
        : "The application has no objects yet.";
      if (!drawn) {
        replace(container, status, tree);
        drawn = true;
      }
      if (focusedKey) {
        const again = tree.querySelector(`[data-key="${CSS.escape(focusedKey)}"] .tree-open`);
        if (again) again.focus();
      }
    } catch (error) {
      drawn = false;
      replace(container, failure(`The resource tree could not be loaded: ${error.message}`, load));
    }
  }
  load();
  return { element: container, reload: load };
}

/* ---------- differences ---------- */

export function diffPanel(view) {
  const container = h("div", { class: "diff-panel" });
  const onlyChangedId = uid("only");
  const onlyChanged = h("input", { type: "checkbox", id: onlyChangedId, checked: true, onchange: () => draw() });
  const list = h("div", { class: "diff-list" });
  const status = h("p", { class: "muted", role: "status" });
  const open = new Set();
  let data = null;
  replace(container, loading("Comparing live objects with Git…"));

  function draw() {
    if (!data) return;
    const shown = data.items.filter((item) => !onlyChanged.checked || item.status !== "Synced");
    const changed = data.items.filter((item) => item.status !== "Synced").length;
    status.textContent = `${changed} of ${data.items.length} object(s) differ from Git or are not yet compared.`;
    const entries = shown.map((item) => {
      const key = objectKey(item);
      const details = h("details", { class: "diff-item", open: open.has(key), "data-key": key });
      let filled = false;
      const fill = () => {
        if (filled) return;
        filled = true;
        const diff = diffView({ live: item.live, desired: item.desired, label: `Differences of ${item.kind} ${objectLabel(item)}` });
        details.appendChild(h("div", { class: "diff-item-body" }, driftList(item.driftManagers), diff.element));
      };
      details.addEventListener("toggle", () => {
        if (details.open) {
          open.add(key);
          fill();
        } else open.delete(key);
      });
      details.appendChild(
        h(
          "summary",
          null,
          icon("chevron", "disclosure"),
          h("span", { class: "kind-chip" }, item.kind),
          h("span", { class: "tree-name" }, objectLabel(item)),
          h("span", { class: "tree-badges" }, badge("sync", item.status || "Unknown"), item.health && item.health.status ? badge("health", item.health.status) : null),
          item.driftManagers && item.driftManagers.length ? h("span", { class: "drift-hint" }, `changed by ${item.driftManagers.map((m) => m.split(" ")[0]).join(", ")}`) : null,
        ),
      );
      if (details.open) fill();
      return details;
    });
    replace(
      list,
      entries.length ? entries : h("p", { class: "empty-inline" }, onlyChanged.checked ? "Every object matches Git." : "No objects."),
    );
  }

  async function load() {
    try {
      data = await loadManaged(view);
      view.managed = data;
      replace(
        container,
        data.message ? h("div", { class: "notice notice-warning", role: "status" }, data.message) : null,
        h("div", { class: "panel-tools" }, h("span", { class: "check" }, onlyChanged, h("label", { for: onlyChangedId }, "Only objects that differ")), status),
        list,
      );
      draw();
    } catch (error) {
      replace(container, failure(`The differences could not be loaded: ${error.message}`, load));
    }
  }
  load();
  return { element: container, reload: load };
}

/* ---------- events ---------- */

export function eventsTable(items, { showObject = true } = {}) {
  if (!items.length) return h("p", { class: "empty-inline" }, "No events.");
  const sorted = [...items].sort((a, b) => String(b.lastTimestamp || b.eventTime || "").localeCompare(String(a.lastTimestamp || a.eventTime || "")));
  const headers = ["Type", "Reason", "Message", ...(showObject ? ["Object"] : []), "Count", "Last seen"];
  return dataTable(
    { kind: "events-table", caption: "Events, newest first", headers },
    h(
      "tbody",
      null,
      sorted.map((event) => {
        const when = event.lastTimestamp || event.eventTime || event.firstTimestamp || "";
        const involved = event.involvedObject || {};
        return h(
          "tr",
          null,
          h("td", null, h("span", { class: `event-type event-${String(event.type || "Normal").toLowerCase()}` }, event.type || "Normal")),
          h("td", null, event.reason || ""),
          h("td", { class: "cell-wrap event-message" }, event.message || ""),
          showObject ? h("td", null, `${involved.kind || ""} ${involved.name || ""}`) : null,
          h("td", null, String(event.count || 1)),
          h("td", { title: formatTime(when) }, relativeTime(when)),
        );
      }),
    ),
  );
}

export function eventsPanel(view) {
  const container = h("div", { class: "events-panel" });
  replace(container, loading("Loading events…"));
  async function load() {
    try {
      const answer = await get(`${view.base}/events`, view.query);
      replace(container, eventsTable(answer.items || []));
    } catch (error) {
      replace(container, failure(`The events could not be loaded: ${error.message}`, load));
    }
  }
  load();
  return { element: container, reload: load };
}

/* ---------- one object ---------- */

function summaryList(node, managed) {
  const rows = [
    ["Kind", node.group ? `${node.kind} (${node.group})` : node.kind],
    ["Namespace", node.namespace || "—"],
    ["Name", node.name],
    ["Sync status", node.status || (managed && managed.status) ? badge("sync", node.status || managed.status) : "not compared (owned by another object)"],
    ["Health", node.health && node.health.status ? badge("health", node.health.status) : "—"],
    ["Health message", (node.health && node.health.message) || "—"],
    ["Images", node.images && node.images.length ? node.images.join(", ") : "—"],
    ["Created", node.createdAt ? formatTime(node.createdAt) : "—"],
  ];
  if (node.parentRefs && node.parentRefs.length) {
    const parent = node.parentRefs[0];
    rows.push(["Owned by", `${parent.kind} ${objectLabel(parent)}`]);
  }
  return h("dl", { class: "facts" }, rows.flatMap(([term, value]) => [h("dt", null, term), h("dd", null, value)]));
}

export function openObject(view, node) {
  const key = objectKey(node);
  const resourceQuery = {
    ...view.query,
    namespace: node.namespace || "",
    resourceName: node.name,
    version: node.version || "",
    group: node.group || "",
    kind: node.kind,
  };
  const managedEntry = () => (view.managed ? view.managed.byKey.get(key) : undefined);
  const set = tabs(
    [
      {
        id: "summary",
        label: "Summary",
        render(panel) {
          replace(panel, summaryList(node, managedEntry()), driftList(managedEntry()?.driftManagers));
        },
      },
      {
        id: "live",
        label: "Live manifest",
        async render(panel) {
          replace(panel, loading("Loading the live object…"));
          try {
            const answer = await get(`${view.base}/resource`, resourceQuery);
            const manifest = JSON.parse(answer.manifest || "null");
            replace(panel, manifest ? h("pre", { class: "code", tabindex: "0", "aria-label": "Live object YAML" }, toYaml(manifest)) : h("p", null, "Not in the cluster."));
          } catch (error) {
            replace(panel, failure(error.status === 404 ? "This object is not in the cluster." : error.message));
          }
        },
      },
      {
        id: "diff",
        label: "Diff",
        async render(panel) {
          if (node.parentRefs && node.parentRefs.length) {
            replace(panel, h("p", { class: "muted" }, "Objects owned by another object are not in Git, so there is nothing to compare."));
            return;
          }
          replace(panel, loading("Comparing with Git…"));
          try {
            if (!managedEntry()) view.managed = await loadManaged(view);
            const entry = managedEntry();
            if (!entry) {
              replace(panel, h("p", { class: "muted" }, "This object is not among the application's managed resources."));
              return;
            }
            replace(panel, driftList(entry.driftManagers), diffView({ live: entry.live, desired: entry.desired, label: `Differences of ${node.kind} ${objectLabel(node)}` }).element);
          } catch (error) {
            replace(panel, failure(error.message));
          }
        },
      },
      {
        id: "events",
        label: "Events",
        async render(panel) {
          replace(panel, loading("Loading events…"));
          try {
            const query = node.uid ? { ...view.query, resourceUID: node.uid } : { ...view.query, resourceName: node.name, resourceNamespace: node.namespace || "" };
            const answer = await get(`${view.base}/events`, query);
            replace(panel, eventsTable(answer.items || [], { showObject: false }));
          } catch (error) {
            replace(panel, error.status === 404 ? h("p", { class: "muted" }, "No events: this object is not in the cluster.") : failure(error.message));
          }
        },
      },
    ],
    { label: `${node.kind} ${node.name}` },
  );
  openDialog({
    title: `${node.kind} ${objectLabel(node)}`,
    body: set.element,
    wide: true,
    actions: [h("button", { type: "button", class: "button button-secondary", onclick: (event) => event.target.closest("dialog").close() }, "Close")],
  });
}

