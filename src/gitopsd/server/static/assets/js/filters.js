// The application list's filters: read from and written to the URL's query, and applied
// to applications in the browser (the list holds every application the user may see, so
// filtering and facet counts need no round trip). Pure.

import { matchesSelector, parseSelector } from "./labels.js";
import { IN_CLUSTER, clusterOf, destinationNamespace, healthOf, labelsOf, nameOf, projectOf, syncOf } from "./format.js";

export const FACETS = [
  { id: "project", label: "Projects", value: projectOf },
  { id: "sync", label: "Sync status", value: syncOf },
  { id: "health", label: "Health status", value: healthOf },
  { id: "cluster", label: "Clusters", value: clusterOf, display: (v) => (v === IN_CLUSTER ? "in-cluster" : v) },
  { id: "namespace", label: "Namespaces", value: destinationNamespace },
];

export const VIEWS = ["tiles", "table"];
export const PAGE_SIZES = [25, 50, 100, 200];
export const DEFAULT_PAGE_SIZE = 50;

export function readFilters(search) {
  const params = new URLSearchParams(search);
  const sets = {};
  for (const facet of FACETS) {
    sets[facet.id] = new Set(params.getAll(facet.id).flatMap((v) => v.split(",")).filter(Boolean));
  }
  const size = Number(params.get("size"));
  return {
    text: params.get("q") || "",
    labels: params.get("labels") || "",
    sets,
    view: VIEWS.includes(params.get("view")) ? params.get("view") : "tiles",
    page: Math.max(1, Number(params.get("page")) || 1),
    size: PAGE_SIZES.includes(size) ? size : DEFAULT_PAGE_SIZE,
  };
}

export function writeFilters(filters) {
  const params = new URLSearchParams();
  if (filters.text) params.set("q", filters.text);
  for (const facet of FACETS) {
    for (const value of [...filters.sets[facet.id]].sort()) params.append(facet.id, value);
  }
  if (filters.labels) params.set("labels", filters.labels);
  if (filters.view !== "tiles") params.set("view", filters.view);
  if (filters.page > 1) params.set("page", String(filters.page));
  if (filters.size !== DEFAULT_PAGE_SIZE) params.set("size", String(filters.size));
  return params;
}

export function activeFilterCount(filters) {
  let count = filters.text ? 1 : 0;
  if (filters.labels) count += 1;
  for (const facet of FACETS) count += filters.sets[facet.id].size;
  return count;
}

/** {matches(app) → bool, error} for the filters; a label selector that cannot be read is an error. */
export function compile(filters) {
  let selector = [];
  let error = "";
  try {
    selector = parseSelector(filters.labels);
  } catch (problem) {
    error = problem.message;
  }
  const text = filters.text.trim().toLowerCase();
  const facets = FACETS.filter((facet) => filters.sets[facet.id].size > 0);
  return {
    error,
    matches(app) {
      if (text && !nameOf(app).toLowerCase().includes(text)) return false;
      for (const facet of facets) if (!filters.sets[facet.id].has(facet.value(app))) return false;
      return matchesSelector(selector, labelsOf(app));
    },
  };
}

/** Per facet, each value's count over `apps`. */
export function facetCounts(apps) {
  const counts = Object.fromEntries(FACETS.map((facet) => [facet.id, new Map()]));
  for (const app of apps) {
    for (const facet of FACETS) {
      const value = facet.value(app);
      if (!value) continue;
      const map = counts[facet.id];
      map.set(value, (map.get(value) || 0) + 1);
    }
  }
  return counts;
}

export function byName(a, b) {
  const x = nameOf(a);
  const y = nameOf(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
