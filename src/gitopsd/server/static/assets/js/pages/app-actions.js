// What people do to an application from its page: sync (with options), rollback,
// terminate, delete (typed confirmation, cascade or not), and the history they roll back
// to. Each dialog sends one API call; errors stay in the dialog, nothing is half-done.

import { del, get, post, put, seg } from "../api.js";
import { h, replace, uid } from "../dom.js";
import { automationOf, formatTime, nameOf, relativeTime, shortRevision, sourceOf } from "../format.js";
import { badge } from "../widgets/badges.js";
import { openDialog } from "../widgets/dialog.js";
import { dataTable } from "../widgets/table.js";
import { toast } from "../widgets/toast.js";

function checkbox(label, { checked = false, hint } = {}) {
  const id = uid("opt");
  const hintId = hint ? uid("hint") : undefined;
  const input = h("input", { type: "checkbox", id, checked, "aria-describedby": hintId });
  const element = h(
    "div",
    { class: "check" },
    input,
    h("label", { for: id }, label),
    hint ? h("p", { class: "hint", id: hintId }, hint) : null,
  );
  return { input, element };
}

function field(label, input, hint) {
  const id = input.id || uid("field");
  input.id = id;
  const hintId = hint ? uid("hint") : undefined;
  if (hintId) input.setAttribute("aria-describedby", hintId);
  return h("div", { class: "field" }, h("label", { for: id }, label), input, hint ? h("p", { class: "hint", id: hintId }, hint) : null);
}

function primary(text, onclick, { danger = false, disabled = false } = {}) {
  return h("button", { type: "button", class: ["button", danger ? "button-danger" : "button-primary"], onclick, disabled }, text);
}

function cancel(text = "Cancel") {
  return h("button", { type: "button", class: "button button-secondary", onclick: (event) => event.target.closest("dialog").close() }, text);
}

/* ---------- sync ---------- */

export function openSync(view) {
  const app = view.app;
  const target = sourceOf(app).targetRevision || "HEAD";
  const revision = h("input", { type: "text", class: "text-input", placeholder: target, autocomplete: "off", spellcheck: "false" });
  const prune = checkbox("Prune", { hint: "Delete objects that are no longer in Git." });
  const dryRun = checkbox("Dry run", { hint: "Check what would change without writing anything." });
  const outOfSyncOnly = checkbox("Apply out-of-sync only", { hint: "Skip objects that already match Git." });
  const replaceOption = checkbox("Replace", { hint: "Replace objects instead of applying them (kubectl replace)." });
  const resources = (app.status && app.status.resources) || [];
  const all = checkbox("All resources", { checked: true });
  const boxes = resources.map((resource) => {
    const box = checkbox(`${resource.kind} ${resource.namespace ? `${resource.namespace}/` : ""}${resource.name}`, { checked: true });
    box.element.classList.add("resource-option");
    box.element.appendChild(badge("sync", resource.status || "Unknown"));
    box.input.addEventListener("change", () => {
      const checked = boxes.filter((b) => b.input.checked).length;
      all.input.checked = checked === boxes.length;
      all.input.indeterminate = checked > 0 && checked < boxes.length;
    });
    return { resource, ...box };
  });
  all.input.addEventListener("change", () => {
    for (const box of boxes) box.input.checked = all.input.checked;
    all.input.indeterminate = false;
  });
  const body = h(
    "div",
    { class: "form" },
    field("Revision", revision, `Leave empty to sync ${target}; or a branch, tag or commit.`),
    h("fieldset", { class: "options" }, h("legend", null, "Options"), prune.element, dryRun.element, outOfSyncOnly.element, replaceOption.element),
    resources.length
      ? h("fieldset", { class: "options resource-options" }, h("legend", null, "Resources"), all.element, h("div", { class: "resource-list" }, boxes.map((b) => b.element)))
      : null,
  );
  const submit = primary("Synchronize", async () => {
    const chosen = boxes.filter((b) => b.input.checked);
    if (boxes.length && chosen.length === 0) {
      dialog.showError("Choose at least one resource to sync.");
      return;
    }
    const options = [];
    if (outOfSyncOnly.input.checked) options.push("ApplyOutOfSyncOnly=true");
    if (replaceOption.input.checked) options.push("Replace=true");
    const request = {
      revision: revision.value.trim(),
      prune: prune.input.checked,
      dryRun: dryRun.input.checked,
    };
    if (options.length) request.syncOptions = { items: options };
    if (chosen.length && chosen.length < boxes.length) {
      request.resources = chosen.map(({ resource }) => ({ group: resource.group || "", kind: resource.kind, namespace: resource.namespace || "", name: resource.name }));
    }
    dialog.setBusy(true);
    dialog.showError("");
    try {
      const updated = await post(`${view.base}/sync`, request, view.query);
      view.update(updated);
      dialog.close();
      toast(request.dryRun ? `Dry-run sync of ${nameOf(app)} requested.` : `Sync of ${nameOf(app)} requested.`, "success");
    } catch (error) {
      dialog.setBusy(false);
      dialog.showError(error.message);
    }
  });
  submit.dataset.autofocus = "";
  const dialog = openDialog({
    title: `Sync ${nameOf(app)}`,
    description: "Apply what Git says to the cluster now.",
    body,
    actions: [submit, cancel()],
  });
}

/* ---------- history and rollback ---------- */

const metadataCache = new Map();

export function revisionMetadata(view, revision) {
  const key = `${view.namespace}/${view.name}@${revision}`;
  if (!metadataCache.has(key)) {
    metadataCache.set(
      key,
      get(`${view.base}/revisions/${seg(revision)}/metadata`, view.query).catch(() => null),
    );
  }
  return metadataCache.get(key);
}

function historyOf(app) {
  return [...((app.status && app.status.history) || [])].sort((a, b) => Number(b.id) - Number(a.id));
}

function initiator(entry) {
  const by = entry.initiatedBy || {};
  if (by.automated) return "automated sync";
  return by.username || "—";
}

function commitCells(view, entry) {
  const author = h("td", { class: "cell-wrap" }, "…");
  const message = h("td", { class: "cell-wrap commit-message" }, "…");
  revisionMetadata(view, entry.revision).then((meta) => {
    author.textContent = (meta && meta.author) || "—";
    message.textContent = (meta && meta.message) || "—";
  });
  return [author, message];
}

export function historyPanel(view) {
  const container = h("div", { class: "history-panel" });
  function draw() {
    const app = view.app;
    const entries = historyOf(app);
    if (!entries.length) {
      replace(container, h("p", { class: "empty-inline" }, "No sync has been recorded yet."));
      return;
    }
    const current = entries[0];
    const mayRollBack = view.rights.sync && !automationOf(app).enabled;
    replace(
      container,
      automationOf(app).enabled && view.rights.sync
        ? h("p", { class: "notice notice-info" }, "Automated sync is on: pause it to roll back to an earlier revision.")
        : null,
      dataTable(
        {
          kind: "history-table",
          caption: "Deployment history, newest first",
          headers: ["ID", "Revision", "Deployed", "Initiated by", "Author", "Message", ...(view.rights.sync ? [h("span", { class: "visually-hidden" }, "Actions")] : [])],
        },
        h(
          "tbody",
          null,
          entries.map((entry) =>
            h(
              "tr",
              null,
              h("td", null, String(entry.id)),
              h("td", { class: "mono", title: entry.revision }, shortRevision(entry.revision)),
              h("td", { title: formatTime(entry.deployedAt) }, relativeTime(entry.deployedAt)),
              h("td", null, initiator(entry)),
              ...commitCells(view, entry),
              view.rights.sync
                ? h(
                    "td",
                    null,
                    entry === current
                      ? h("span", { class: "muted" }, "current")
                      : h(
                          "button",
                          {
                            type: "button",
                            class: "button button-secondary button-small",
                            disabled: !mayRollBack,
                            onclick: () => openRollback(view, entry.id),
                          },
                          "Roll back",
                          h("span", { class: "visually-hidden" }, ` to ${shortRevision(entry.revision)} (history ${entry.id})`),
                        ),
                  )
                : null,
            ),
          ),
        ),
      ),
    );
  }
  draw();
  return { element: container, reload: draw };
}

export function openRollback(view, chosenId) {
  const app = view.app;
  const entries = historyOf(app);
  const auto = automationOf(app);
  const name = uid("rollback");
  const choices = entries.map((entry, index) => {
    const id = uid("entry");
    const input = h("input", { type: "radio", name, id, value: String(entry.id), checked: chosenId !== undefined ? entry.id === chosenId : index === 1 });
    const meta = h("span", { class: "muted" }, "");
    revisionMetadata(view, entry.revision).then((found) => {
      meta.textContent = found ? `${found.author || ""}${found.message ? ` — ${found.message}` : ""}` : "";
    });
    return h(
      "div",
      { class: "radio-row" },
      input,
      h(
        "label",
        { for: id },
        h("span", { class: "mono" }, `#${entry.id} ${shortRevision(entry.revision)}`),
        " ",
        index === 0 ? h("span", { class: "tag" }, "current") : null,
        " ",
        h("span", null, `deployed ${relativeTime(entry.deployedAt)}`),
        h("br"),
        meta,
      ),
    );
  });
  const prune = checkbox("Prune", { hint: "Delete objects that the earlier revision does not have." });
  const blocked = auto.enabled;
  const body = h(
    "div",
    { class: "form" },
    blocked ? h("p", { class: "notice notice-warning" }, "Automated sync is on and would undo a rollback at once: pause automated sync first.") : null,
    entries.length
      ? h("fieldset", { class: "options history-options" }, h("legend", null, "Roll back to"), choices)
      : h("p", null, "There is no history to roll back to."),
    prune.element,
  );
  const submit = primary(
    "Roll back",
    async () => {
      const picked = body.querySelector(`input[name="${name}"]:checked`);
      if (!picked) {
        dialog.showError("Choose a history entry.");
        return;
      }
      dialog.setBusy(true);
      dialog.showError("");
      try {
        const updated = await put(`${view.base}/rollback`, { id: Number(picked.value), prune: prune.input.checked }, view.query);
        view.update(updated);
        dialog.close();
        toast(`Rollback of ${nameOf(app)} to history ${picked.value} requested.`, "success");
      } catch (error) {
        dialog.setBusy(false);
        dialog.showError(error.message);
      }
    },
    { disabled: blocked || entries.length === 0 },
  );
  const dialog = openDialog({ title: `Roll back ${nameOf(app)}`, body, actions: [submit, cancel()] });
}

/* ---------- terminate, delete ---------- */

export function openTerminate(view) {
  const app = view.app;
  const submit = primary(
    "Terminate",
    async () => {
      dialog.setBusy(true);
      try {
        await del(`${view.base}/operation`, view.query);
        dialog.close();
        toast(`Termination of the running operation of ${nameOf(app)} requested.`, "success");
      } catch (error) {
        dialog.setBusy(false);
        dialog.showError(error.message);
      }
    },
    { danger: true },
  );
  const dialog = openDialog({
    title: `Terminate the operation of ${nameOf(app)}?`,
    body: h("p", null, "The running sync stops where it is; objects already applied stay as they are."),
    actions: [submit, cancel("Keep running")],
  });
}

export function openDelete(view, onDeleted) {
  const app = view.app;
  const appName = nameOf(app);
  const cascade = checkbox("Also delete the application's resources (cascade)", {
    checked: true,
    hint: "Unchecked, the objects stay in the cluster and only the Application goes.",
  });
  const confirm = h("input", { type: "text", class: "text-input", autocomplete: "off", spellcheck: "false" });
  const submit = primary("Delete", async () => {
    if (confirm.value !== appName) return;
    dialog.setBusy(true);
    dialog.showError("");
    try {
      await del(view.base, { ...view.query, cascade: cascade.input.checked ? "true" : "false" });
      dialog.close();
      toast(`${appName} is being deleted${cascade.input.checked ? " with its resources" : ""}.`, "success");
      onDeleted();
    } catch (error) {
      dialog.setBusy(false);
      submit.disabled = confirm.value !== appName;
      dialog.showError(error.message);
    }
  }, { danger: true, disabled: true });
  confirm.addEventListener("input", () => {
    submit.disabled = confirm.value !== appName;
  });
  const body = h(
    "div",
    { class: "form" },
    cascade.element,
    field(`Type ${appName} to confirm`, confirm),
  );
  const dialog = openDialog({
    title: `Delete ${appName}?`,
    description: "This cannot be undone from here.",
    body,
    actions: [submit, cancel()],
  });
}

