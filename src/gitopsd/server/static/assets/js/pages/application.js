// One application: its statuses, source and destination, the actions RBAC allows, and
// tabs for the resource tree, the differences from Git, events and history. The page
// follows the live stream for this application; the tree, differences and events are
// re-read (at most every few seconds) when the application changes.

import { ApiError, get, patch, seg } from "../api.js";
import { h, replace } from "../dom.js";
import {
  automationLabel,
  automationOf,
  clusterLabel,
  destinationNamespace,
  formatTime,
  healthOf,
  isRunning,
  nameOf,
  operationOf,
  projectOf,
  relativeTime,
  shortRevision,
  sourceOf,
  syncOf,
} from "../format.js";
import { isNewer, watchApplications } from "../live.js";
import { can } from "../rbac.js";
import { navigate } from "../router.js";
import { badge } from "../widgets/badges.js";
import { icon } from "../widgets/icons.js";
import { tabs } from "../widgets/tabs.js";
import { toast } from "../widgets/toast.js";
import { historyPanel, openDelete, openRollback, openSync, openTerminate } from "./app-actions.js";
import { diffPanel, eventsPanel, treePanel } from "./app-resources.js";

export const title = (params) => params.name;

const RELOAD_AFTER_MS = 1500;
const TABS = ["resources", "diff", "events", "history"];

// Unavailable actions are aria-disabled rather than disabled: they keep their place in
// the tab order (focus is not lost when an operation starts) and say why in a tooltip.
function actionButton(label, iconName, onclick, { danger = false } = {}) {
  const button = h(
    "button",
    {
      type: "button",
      class: ["button", danger ? "button-danger-outline" : "button-secondary"],
      hidden: true,
      onclick: (event) => {
        if (button.getAttribute("aria-disabled") !== "true") onclick(event);
      },
    },
    icon(iconName),
    h("span", null, label),
  );
  return button;
}

function setAvailable(button, available, reason = "") {
  button.setAttribute("aria-disabled", available ? "false" : "true");
  if (available || !reason) button.removeAttribute("title");
  else button.title = reason;
}

function fact(term, value) {
  return [h("dt", null, term), h("dd", null, value || "—")];
}

export function mount(container, params, ctx) {
  const view = {
    name: params.name,
    namespace: params.namespace,
    base: `/api/v1/applications/${seg(params.name)}`,
    query: { appNamespace: params.namespace },
    app: null,
    rights: { sync: false, update: false, delete: false },
    managed: null,
    update: null,
  };
  const panels = {};
  let stream = null;
  let deleted = false;
  let reloadTimer = 0;
  let lastReload = 0;

  const heading = h("h1", { tabindex: "-1", class: "app-name" }, params.name);
  const subtitle = h("p", { class: "app-subtitle muted" });
  const statusCards = h("div", { class: "status-cards" });
  const facts = h("dl", { class: "facts facts-grid" });
  const conditions = h("div", { class: "conditions" });
  const banner = h("div", { class: "banner", role: "status" });

  const buttons = {
    sync: actionButton("Sync", "sync", () => openSync(view)),
    refresh: actionButton("Refresh", "refresh", () => refresh("normal")),
    hardRefresh: actionButton("Hard refresh", "refresh", () => refresh("hard")),
    rollback: actionButton("Rollback", "history", () => openRollback(view)),
    terminate: actionButton("Terminate", "stop", () => openTerminate(view), { danger: true }),
    pause: actionButton("Pause auto-sync", "pause", () => setAutomation(false)),
    resume: actionButton("Resume auto-sync", "play", () => setAutomation(true)),
    remove: actionButton("Delete", "trash", () => openDelete(view, () => navigate("/applications")), { danger: true }),
  };
  const toolbar = h("div", { class: "app-actions", role: "toolbar", "aria-label": "Application actions" }, Object.values(buttons));

  const makeTabs = () => tabs(
    [
      { id: "resources", label: "Resources", render: (panel) => mountPanel("resources", panel, treePanel) },
      { id: "diff", label: "Differences", render: (panel) => mountPanel("diff", panel, diffPanel) },
      { id: "events", label: "Events", render: (panel) => mountPanel("events", panel, eventsPanel) },
      { id: "history", label: "History", render: (panel) => mountPanel("history", panel, historyPanel) },
    ],
    {
      label: "Application details",
      selected: TABS.includes(new URLSearchParams(location.search).get("tab")) ? new URLSearchParams(location.search).get("tab") : "resources",
      onChange: (id) => history.replaceState(null, "", `${location.pathname}${id === "resources" ? "" : `?tab=${id}`}`),
    },
  );

  function mountPanel(id, panel, make) {
    panels[id] = make(view);
    replace(panel, panels[id].element);
  }

  const page = h(
    "div",
    { class: "page page-app" },
    h(
      "nav",
      { "aria-label": "Breadcrumb", class: "breadcrumb" },
      h("ol", null, h("li", null, h("a", { href: "/applications" }, "Applications")), h("li", { "aria-current": "page" }, params.name)),
    ),
    h("header", { class: "app-head" }, h("div", { class: "app-title" }, heading, subtitle), toolbar),
    banner,
    statusCards,
    conditions,
    h("section", { class: "card", "aria-label": "Source and destination" }, facts),
  );
  replace(container, h("p", { class: "loading", role: "status" }, "Loading the application…"));

  function drawHeader() {
    const app = view.app;
    const source = sourceOf(app);
    const op = operationOf(app);
    const auto = automationOf(app);
    subtitle.textContent = `Project ${projectOf(app)} · ${clusterLabel(app)} / ${destinationNamespace(app) || "—"}`;
    const revision = app.status?.sync?.revision;
    replace(
      statusCards,
      h(
        "section",
        { class: "status-card", "aria-label": "Sync status" },
        h("h2", null, "Sync"),
        badge("sync", syncOf(app)),
        h("p", { class: "muted" }, revision ? `to ${source.targetRevision || "HEAD"} (${shortRevision(revision)})` : `to ${source.targetRevision || "HEAD"}`),
        h("p", { class: "muted" }, automationLabel(app)),
      ),
      h(
        "section",
        { class: "status-card", "aria-label": "Health" },
        h("h2", null, "Health"),
        badge("health", healthOf(app)),
        app.status?.health?.message ? h("p", { class: "muted" }, app.status.health.message) : null,
      ),
      h(
        "section",
        { class: "status-card", "aria-label": "Last operation" },
        h("h2", null, "Last operation"),
        op ? badge("op", op.phase) : h("p", { class: "muted" }, "None yet"),
        op && op.message ? h("p", { class: "muted op-message" }, op.message) : null,
        op && (op.finishedAt || op.startedAt)
          ? h("p", { class: "muted", title: formatTime(op.finishedAt || op.startedAt) }, `${op.finishedAt ? "finished" : "started"} ${relativeTime(op.finishedAt || op.startedAt)}`)
          : null,
      ),
    );
    replace(
      facts,
      ...fact("Repository", h("span", { class: "mono" }, source.repoURL || "")),
      ...fact("Path", source.path || source.chart || ""),
      ...fact("Target revision", source.targetRevision || "HEAD"),
      ...fact("Cluster", clusterLabel(app)),
      ...fact("Namespace", destinationNamespace(app)),
      ...fact("Created", formatTime(app.metadata?.creationTimestamp)),
    );
    const found = app.status?.conditions || [];
    replace(
      conditions,
      found.map((condition) =>
        h(
          "div",
          { class: `notice ${/Error/.test(condition.type || "") ? "notice-error" : "notice-warning"}`, role: "note" },
          h("strong", null, condition.type || "Condition"),
          " ",
          condition.message || "",
        ),
      ),
    );
    const running = isRunning(app);
    const gone = "The application has been deleted.";
    buttons.sync.hidden = !view.rights.sync;
    setAvailable(buttons.sync, !deleted && !running, deleted ? gone : "An operation is running.");
    buttons.refresh.hidden = false;
    buttons.hardRefresh.hidden = false;
    buttons.rollback.hidden = !view.rights.sync;
    const noHistory = !(app.status?.history || []).length;
    setAvailable(
      buttons.rollback,
      !deleted && !running && !noHistory,
      deleted ? gone : running ? "An operation is running." : "Nothing has been deployed yet.",
    );
    buttons.terminate.hidden = !(view.rights.sync && running);
    buttons.pause.hidden = !(view.rights.update && auto.configured && auto.enabled);
    buttons.resume.hidden = !(view.rights.update && auto.configured && !auto.enabled);
    buttons.remove.hidden = !view.rights.delete;
    if (deleted) for (const button of Object.values(buttons)) setAvailable(button, false, gone);
    document.title = `${nameOf(app)} · gitopsd`;
  }

  function scheduleReload() {
    clearTimeout(reloadTimer);
    const wait = Math.max(0, lastReload + RELOAD_AFTER_MS - Date.now());
    reloadTimer = setTimeout(() => {
      lastReload = Date.now();
      for (const id of ["resources", "diff", "events"]) if (panels[id]) panels[id].reload();
    }, wait);
  }

  view.update = (app) => {
    if (!app || !isNewer(app, view.app)) return;
    const statusChanged = JSON.stringify(app.status || {}) !== JSON.stringify(view.app?.status || {});
    view.app = app;
    drawHeader();
    if (panels.history) panels.history.reload();
    if (statusChanged) scheduleReload();
  };

  async function refresh(kind) {
    const button = kind === "hard" ? buttons.hardRefresh : buttons.refresh;
    const label = button.querySelector("span");
    const text = label.textContent;
    setAvailable(button, false);
    button.setAttribute("aria-busy", "true");
    label.textContent = "Refreshing…";
    try {
      view.update(await get(view.base, { ...view.query, refresh: kind }));
      view.managed = null;
      scheduleReload();
      toast(`${kind === "hard" ? "Hard refresh" : "Refresh"} of ${view.name} done.`, "success");
    } catch (error) {
      toast(`Refresh failed: ${error.message}`, "error");
    } finally {
      label.textContent = text;
      setAvailable(button, !deleted);
      button.removeAttribute("aria-busy");
    }
  }

  async function setAutomation(enabled) {
    const button = enabled ? buttons.resume : buttons.pause;
    setAvailable(button, false);
    try {
      const updated = await patch(`${view.base}/spec`, { syncPolicy: { automated: { enabled } } }, view.query);
      view.update(updated);
      toast(enabled ? `Automated sync of ${view.name} resumed.` : `Automated sync of ${view.name} paused.`, "success");
      (enabled ? buttons.pause : buttons.resume).focus();
    } catch (error) {
      toast(error.message, "error");
    } finally {
      setAvailable(button, !deleted);
    }
  }

  async function start() {
    try {
      view.app = await get(view.base, view.query);
    } catch (error) {
      const missing = error instanceof ApiError && (error.status === 404 || error.status === 403);
      replace(
        container,
        h(
          "div",
          { class: "page" },
          ctx.focusHeading(h("h1", { tabindex: "-1" }, missing ? "Application not found" : "The application could not be loaded")),
          h("p", null, missing ? `There is no application ${params.name} that you may see.` : error.message),
          h("p", null, h("a", { href: "/applications" }, "Back to the applications")),
        ),
      );
      return;
    }
    const object = `${projectOf(view.app)}/${view.name}`;
    const [sync, update, remove] = await Promise.all([
      can("applications", "sync", object),
      can("applications", "update", object),
      can("applications", "delete", object),
    ]);
    view.rights = { sync, update, delete: remove };
    drawHeader();
    replace(container, page);
    page.appendChild(makeTabs().element);
    ctx.focusHeading(heading);
    stream = watchApplications({
      query: { name: view.name, appNamespace: view.namespace },
      onEvent(type, app) {
        if (nameOf(app) !== view.name) return;
        if (type === "DELETED") {
          deleted = true;
          banner.className = "banner banner-warning";
          banner.textContent = "This application has been deleted.";
          drawHeader();
          return;
        }
        view.update(app);
      },
      onOpen(reconnected) {
        if (reconnected) scheduleReload();
      },
    });
  }
  start();

  return {
    destroy() {
      clearTimeout(reloadTimer);
      if (stream) stream.close();
    },
  };
}
