// Read-only pages: AppProjects, ApplicationSets and clusters, as the server lists them
// for the signed-in user (it keeps only what RBAC lets them see; clusters never carry
// credentials).

import { get } from "../api.js";
import { h, replace } from "../dom.js";
import { IN_CLUSTER, formatTime, nameOf } from "../format.js";
import { dataTable } from "../widgets/table.js";

function page(ctx, container, heading, intro, load) {
  const h1 = h("h1", { tabindex: "-1" }, heading);
  const body = h("div", { class: "catalog", "aria-busy": "true" }, h("p", { class: "loading", role: "status" }, "Loading…"));
  replace(container, h("div", { class: "page" }, h("header", { class: "page-head" }, h1, h("p", { class: "muted" }, intro)), body));
  ctx.focusHeading(h1);
  async function run() {
    try {
      const answer = await load();
      replace(body, answer);
    } catch (error) {
      replace(
        body,
        h("div", { class: "notice notice-error", role: "alert" }, h("p", null, error.message), h("button", { type: "button", class: "button button-secondary", onclick: run }, "Retry")),
      );
    } finally {
      body.setAttribute("aria-busy", "false");
    }
  }
  run();
  return {};
}

function chips(values) {
  if (!values || !values.length) return h("span", { class: "muted" }, "none");
  return h("ul", { class: "chips" }, values.map((value) => h("li", { class: "chip" }, value)));
}

function facts(rows) {
  return h("dl", { class: "facts" }, rows.flatMap(([term, value]) => [h("dt", null, term), h("dd", null, value)]));
}

function empty(text) {
  return h("p", { class: "empty-inline" }, text);
}

function destinationText(d) {
  const where = d.name || (d.server === IN_CLUSTER ? "in-cluster" : d.server) || "*";
  return `${where} / ${d.namespace || "*"}`;
}

function kindText(k) {
  return `${k.group ? `${k.group}/` : ""}${k.kind || "*"}`;
}

// A page listing what the server answers at `path` (only what the user may see): `draw`
// shows the items, `none` says there are none.
function listPage({ title, intro, path, none, draw }) {
  return {
    title,
    mount(container, params, ctx) {
      return page(ctx, container, title, intro, async () => {
        const { items = [] } = await get(path);
        return items.length ? draw(items) : empty(none);
      });
    },
  };
}

// One card per object, headed by its name; `content` gives what follows the name.
function cards(items, content) {
  return h(
    "ul",
    { class: "cards" },
    items.map((item) => h("li", { class: "card" }, h("h2", null, nameOf(item)), ...content(item))),
  );
}

function projectCard(project) {
  const spec = project.spec || {};
  return [
    spec.description ? h("p", { class: "muted" }, spec.description) : null,
    facts([
      ["Source repositories", chips(spec.sourceRepos)],
      ["Destinations", chips((spec.destinations || []).map(destinationText))],
      ["Source namespaces", chips(spec.sourceNamespaces)],
      ["Cluster resources allowed", chips((spec.clusterResourceWhitelist || []).map(kindText))],
      ["Namespaced resources denied", chips((spec.namespaceResourceBlacklist || []).map(kindText))],
      ["Roles", chips((spec.roles || []).map((role) => role.name))],
      ["Sync windows", chips((spec.syncWindows || []).map((w) => `${w.kind || ""} ${w.schedule || ""} for ${w.duration || ""}`.trim()))],
    ]),
  ];
}

export const projects = listPage({
  title: "Projects",
  intro: "Where applications may deploy from and to, and what they may create.",
  path: "/api/v1/projects",
  none: "No projects you may see.",
  draw: (items) => cards(items, projectCard),
});

function generatorKinds(spec) {
  return (spec.generators || []).map((generator) => Object.keys(generator || {}).join("+") || "?");
}

function appsetCard(appset) {
  const spec = appset.spec || {};
  const template = spec.template || {};
  const source = template.spec?.source || {};
  const generated = (appset.status?.resources || []).map((r) => r.name);
  return [
    facts([
      ["Generators", chips(generatorKinds(spec))],
      ["Application name", h("span", { class: "mono" }, template.metadata?.name || "")],
      ["Project", template.spec?.project || "default"],
      ["Repository", h("span", { class: "mono" }, source.repoURL || "—")],
      ["Path", h("span", { class: "mono" }, source.path || "—")],
      ["Applications", chips(generated)],
      ["Created", formatTime(appset.metadata?.creationTimestamp) || "—"],
    ]),
    (appset.status?.conditions || []).length
      ? h("ul", { class: "condition-list" }, appset.status.conditions.map((c) => h("li", null, h("strong", null, `${c.type}: `), c.message || c.reason || "")))
      : null,
  ];
}

export const appsets = listPage({
  title: "ApplicationSets",
  intro: "Templates that generate applications from lists, clusters and Git.",
  path: "/api/v1/applicationsets",
  none: "No ApplicationSets you may see.",
  draw: (items) => cards(items, appsetCard),
});

function clusterTable(items) {
  return dataTable(
    { caption: "Clusters", headers: ["Name", "Server", "Namespaces", "Project"] },
    h(
      "tbody",
      null,
      items.map((cluster) =>
        h(
          "tr",
          null,
          h("th", { scope: "row" }, cluster.name || ""),
          h("td", { class: "mono" }, cluster.server || ""),
          h("td", null, (cluster.namespaces || []).length ? cluster.namespaces.join(", ") : "all"),
          h("td", null, cluster.project || "—"),
        ),
      ),
    ),
  );
}

export const clusters = listPage({
  title: "Clusters",
  intro: "Clusters applications deploy to. Credentials are never shown.",
  path: "/api/v1/clusters",
  none: "No clusters you may see.",
  draw: clusterTable,
});

export const notFound = {
  title: "Not found",
  mount(container, params, ctx) {
    const h1 = h("h1", { tabindex: "-1" }, "Page not found");
    replace(container, h("div", { class: "page" }, h1, h("p", null, "There is nothing at this address. "), h("p", null, h("a", { href: "/applications" }, "Go to the applications"))));
    ctx.focusHeading(h1);
    return {};
  },
};
