// What the pages show of an Application: statuses, destinations, revisions and times.
// Pure functions of the API's objects; nothing here touches the DOM.

export const SYNC_STATUSES = ["Synced", "OutOfSync", "Unknown"];
export const HEALTH_STATUSES = ["Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown"];
export const IN_CLUSTER = "https://kubernetes.default.svc";

export const nameOf = (obj) => obj?.metadata?.name || "";
export const namespaceOf = (obj) => obj?.metadata?.namespace || "";
export const keyOf = (app) => `${namespaceOf(app)}/${nameOf(app)}`;
export const projectOf = (app) => app?.spec?.project || "default";
export const syncOf = (app) => app?.status?.sync?.status || "Unknown";
export const healthOf = (app) => app?.status?.health?.status || "Unknown";
export const labelsOf = (app) => app?.metadata?.labels || {};

export function sourceOf(app) {
  const spec = app?.spec || {};
  return spec.source || (spec.sources && spec.sources[0]) || {};
}

export function clusterOf(app) {
  const destination = app?.spec?.destination || {};
  return destination.name || destination.server || "";
}

export function clusterLabel(app) {
  const destination = app?.spec?.destination || {};
  if (destination.name) return destination.name;
  if (destination.server === IN_CLUSTER) return "in-cluster";
  return destination.server || "—";
}

export const destinationNamespace = (app) => app?.spec?.destination?.namespace || "";

export function shortRevision(revision) {
  const text = String(revision || "");
  return /^[0-9a-f]{40}$/i.test(text) ? text.slice(0, 7) : text;
}

/** Automated sync as the spec says: configured at all, on or paused, and its switches. */
export function automationOf(app) {
  const automated = app?.spec?.syncPolicy?.automated;
  if (!automated || typeof automated !== "object") {
    return { configured: false, enabled: false, prune: false, selfHeal: false };
  }
  return {
    configured: true,
    enabled: automated.enabled !== false,
    prune: Boolean(automated.prune),
    selfHeal: Boolean(automated.selfHeal),
  };
}

export function automationLabel(app) {
  const auto = automationOf(app);
  if (!auto.configured) return "Manual";
  if (!auto.enabled) return "Automated sync paused";
  const extras = [auto.selfHeal && "self-heal", auto.prune && "prune"].filter(Boolean);
  return extras.length ? `Automated (${extras.join(", ")})` : "Automated";
}

export function operationOf(app) {
  const state = app?.status?.operationState;
  const pending = app?.operation && typeof app.operation === "object";
  if (pending && (!state || state.phase !== "Running")) {
    return { phase: "Pending", message: "waiting for the controller to start the operation" };
  }
  if (!state) return null;
  return { phase: state.phase || "Unknown", message: state.message || "", startedAt: state.startedAt, finishedAt: state.finishedAt };
}

export const isRunning = (app) => {
  const op = operationOf(app);
  return Boolean(op && (op.phase === "Running" || op.phase === "Pending" || op.phase === "Terminating"));
};

export function formatTime(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function relativeTime(iso, now = Date.now()) {
  if (!iso) return "";
  const then = new Date(iso).getTime();
  if (Number.isNaN(then)) return String(iso);
  const seconds = Math.round((now - then) / 1000);
  const past = seconds >= 0;
  const abs = Math.abs(seconds);
  const units = [["d", 86400], ["h", 3600], ["min", 60], ["s", 1]];
  for (const [unit, size] of units) {
    if (abs >= size || unit === "s") {
      const count = Math.floor(abs / size);
      return past ? `${count} ${unit} ago` : `in ${count} ${unit}`;
    }
  }
  return "";
}

/** The slug a CSS class uses for a status (OutOfSync → outofsync). */
export const slug = (text) => String(text || "unknown").toLowerCase().replace(/[^a-z0-9]+/g, "-");

export function plural(count, word, many = `${word}s`) {
  return `${count} ${count === 1 ? word : many}`;
}
