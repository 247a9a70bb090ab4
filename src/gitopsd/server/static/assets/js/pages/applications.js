// The application list: tiles or a table, filters and search, statuses at a glance, live.
//
// Every application the user may see is loaded once (one list call) and kept current by
// the live stream; filtering happens here, and only one page of results is in the DOM,
// so a thousand applications cost no more to draw than fifty. Rendered rows are reused
// while their application's resourceVersion is unchanged.

import { get, seg } from "../api.js";
import { debounce, h, perFrame, replace, uid } from "../dom.js";
import {
  FACETS,
  PAGE_SIZES,
  activeFilterCount,
  byName,
  compile,
  facetCounts,
  readFilters,
  writeFilters,
} from "../filters.js";
import {
  HEALTH_STATUSES,
  SYNC_STATUSES,
  automationLabel,
  clusterLabel,
  destinationNamespace,
  healthOf,
  keyOf,
  nameOf,
  namespaceOf,
  plural,
  projectOf,
  shortRevision,
  sourceOf,
  syncOf,
} from "../format.js";
import { isNewer, watchApplications } from "../live.js";
import { setQuery } from "../router.js";
import { badge } from "../widgets/badges.js";
import { icon } from "../widgets/icons.js";
import { dataTable } from "../widgets/table.js";

export const title = "Applications";

export function appPath(app) {
  return `/applications/${seg(namespaceOf(app))}/${seg(nameOf(app))}`;
}

function sourceText(app) {
  const source = sourceOf(app);
  return { repo: source.repoURL || source.chart || "", path: source.path || source.chart || "", target: source.targetRevision || "HEAD" };
}

function revisionText(app) {
  const { target } = sourceText(app);
  const revision = shortRevision(app?.status?.sync?.revision);
  return revision && revision !== target ? `${target} @ ${revision}` : target;
}

function tile(app) {
  const { repo, path } = sourceText(app);
  const health = healthOf(app);
  const headingId = uid("tile");
  return h(
    "li",
    { class: `tile tile-${health.toLowerCase()}`, "data-key": keyOf(app), "aria-labelledby": headingId },
    h("h3", { class: "tile-title", id: headingId }, h("a", { href: appPath(app) }, nameOf(app))),
    h("div", { class: "tile-status" }, badge("sync", syncOf(app)), badge("health", health)),
    h(
      "dl",
      { class: "tile-meta" },
      h("dt", null, "Project"),
      h("dd", null, projectOf(app)),
      h("dt", null, "Repository"),
      h("dd", { title: repo }, repo || "—"),
      h("dt", null, "Path"),
      h("dd", { title: path }, path || "—"),
      h("dt", null, "Revision"),
      h("dd", null, revisionText(app)),
      h("dt", null, "Destination"),
      h("dd", null, `${clusterLabel(app)} / ${destinationNamespace(app) || "—"}`),
      h("dt", null, "Sync policy"),
      h("dd", null, automationLabel(app)),
    ),
  );
}

function row(app) {
  const { repo, path } = sourceText(app);
  return h(
    "tr",
    { "data-key": keyOf(app) },
    h("th", { scope: "row" }, h("a", { href: appPath(app) }, nameOf(app))),
    h("td", null, projectOf(app)),
    h("td", null, badge("sync", syncOf(app))),
    h("td", null, badge("health", healthOf(app))),
    h("td", { class: "cell-wrap" }, h("span", { class: "mono" }, repo), h("br"), h("span", { class: "muted" }, path)),
    h("td", { class: "mono" }, revisionText(app)),
    h("td", null, `${clusterLabel(app)} / ${destinationNamespace(app) || "—"}`),
  );
}

function tableShell(body) {
  const headers = ["Name", "Project", "Sync", "Health", "Source", "Revision", "Destination"];
  return dataTable({ kind: "apps-table", caption: "Applications", headers }, body);
}

/** One facet's checkboxes; `update(counts)` changes numbers in place so focus stays put. */
function facetGroup(facet, filters, onChange) {
  const rows = new Map();
  const list = h("ul", { class: "facet-options" });
  const legendId = uid("facet");
  const group = h(
    "fieldset",
    { class: "facet" },
    h("legend", { id: legendId }, facet.label),
    list,
  );
  const order = facet.id === "sync" ? SYNC_STATUSES : facet.id === "health" ? HEALTH_STATUSES : null;
  function rank(value) {
    const index = order ? order.indexOf(value) : -1;
    return index < 0 ? 1000 : index;
  }
  function sorted(values) {
    return values.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  }
  function add(value) {
    const id = uid("opt");
    const count = h("span", { class: "facet-count" }, "0");
    const box = h("input", {
      type: "checkbox",
      id,
      checked: filters.sets[facet.id].has(value),
      onchange: (event) => onChange(facet.id, value, event.target.checked),
    });
    const text = facet.display ? facet.display(value) : value;
    const label = facet.id === "sync" || facet.id === "health" ? badge(facet.id, value) : h("span", { class: "facet-value", title: value }, text);
    const item = h("li", null, box, h("label", { for: id }, label, count));
    rows.set(value, { item, count, box });
  }
  return {
    element: group,
    update(counts) {
      const values = new Set([...counts.keys(), ...filters.sets[facet.id]]);
      for (const value of values) if (!rows.has(value)) add(value);
      for (const [value, parts] of rows) {
        if (!values.has(value)) {
          if (parts.item.contains(document.activeElement)) continue;
          parts.item.remove();
          rows.delete(value);
          continue;
        }
        const text = String(counts.get(value) || 0);
        if (parts.count.textContent !== text) parts.count.textContent = text;
        parts.box.checked = filters.sets[facet.id].has(value);
      }
      const wanted = sorted([...rows.keys()]).map((value) => rows.get(value).item);
      const current = [...list.children];
      if (wanted.length !== current.length || wanted.some((item, i) => item !== current[i])) {
        const focused = document.activeElement;
        list.replaceChildren(...wanted);
        if (focused && list.contains(focused)) focused.focus();
      }
      group.hidden = rows.size === 0;
    },
  };
}

function setText(element, text) {
  if (element.textContent !== text) element.textContent = text;
}

function glanceSignature(apps) {
  const counts = new Map();
  for (const app of apps) {
    const key = `${syncOf(app)}|${healthOf(app)}`;
    counts.set(key, (counts.get(key) || 0) + 1);
  }
  return [...counts].sort().join(",");
}

function glance(apps) {
  const sync = new Map();
  const health = new Map();
  for (const app of apps) {
    sync.set(syncOf(app), (sync.get(syncOf(app)) || 0) + 1);
    health.set(healthOf(app), (health.get(healthOf(app)) || 0) + 1);
  }
  const part = (kind, statuses, counts) =>
    statuses.filter((status) => counts.get(status)).map((status) => h("li", null, badge(kind, status, { detail: String(counts.get(status)) })));
  return [...part("sync", SYNC_STATUSES, sync), ...part("health", HEALTH_STATUSES, health)];
}

export function mount(container, params, ctx) {
  const filters = readFilters(location.search);
  const apps = new Map();
  const cache = new Map(); // key → {rv, view, element}
  let loaded = false;
  let firstPaint = true;
  let buffered = [];
  let stream = null;
  const drawn = { glance: "", pager: "" }; // what is on screen, to skip redrawing it

  const searchId = uid("search");
  const filtersId = uid("filters");
  const search = h("input", {
    id: searchId,
    type: "search",
    class: "search-input",
    placeholder: "Search by name",
    autocomplete: "off",
    value: filters.text,
    oninput: debounce((event) => {
      filters.text = event.target.value;
      filters.page = 1;
      changed();
    }, 80),
  });
  const viewButtons = ["tiles", "table"].map((view) =>
    h(
      "button",
      {
        type: "button",
        class: "segmented-button",
        "aria-pressed": String(filters.view === view),
        onclick: () => {
          filters.view = view;
          for (const button of viewButtons) button.setAttribute("aria-pressed", String(button.dataset.view === view));
          changed();
        },
        dataset: { view },
      },
      icon(view === "tiles" ? "grid" : "list"),
      h("span", null, view === "tiles" ? "Tiles" : "Table"),
    ),
  );
  const filterToggle = h(
    "button",
    {
      type: "button",
      class: "button button-secondary filters-toggle",
      "aria-expanded": "false",
      "aria-controls": filtersId,
      onclick: () => {
        const open = filterToggle.getAttribute("aria-expanded") !== "true";
        filterToggle.setAttribute("aria-expanded", String(open));
        aside.classList.toggle("is-open", open);
      },
    },
    icon("filter"),
    h("span", { class: "filters-toggle-text" }, "Filters"),
  );

  const groups = FACETS.map((facet) =>
    facetGroup(facet, filters, (id, value, on) => {
      if (on) filters.sets[id].add(value);
      else filters.sets[id].delete(value);
      filters.page = 1;
      changed();
    }),
  );
  const labelsId = uid("labels");
  const labelsHelp = uid("labels-help");
  const labelsError = h("p", { class: "field-error", id: uid("labels-error"), hidden: true });
  const labels = h("input", {
    id: labelsId,
    type: "text",
    class: "text-input",
    placeholder: "team=web, tier!=db",
    autocomplete: "off",
    spellcheck: "false",
    value: filters.labels,
    "aria-describedby": labelsHelp,
    oninput: debounce((event) => {
      filters.labels = event.target.value;
      filters.page = 1;
      changed();
    }, 150),
  });
  const clear = h(
    "button",
    {
      type: "button",
      class: "button button-link",
      onclick: () => {
        filters.text = "";
        filters.labels = "";
        for (const facet of FACETS) filters.sets[facet.id].clear();
        filters.page = 1;
        search.value = "";
        labels.value = "";
        changed();
      },
    },
    "Clear all filters",
  );
  const aside = h(
    "aside",
    { class: "filters", id: filtersId, "aria-label": "Filters" },
    h("div", { class: "filters-head" }, h("h2", null, "Filters"), clear),
    ...groups.map((group) => group.element),
    h(
      "div",
      { class: "facet" },
      h("label", { for: labelsId, class: "facet-label" }, "Labels"),
      labels,
      h("p", { class: "hint", id: labelsHelp }, "Comma-separated: key=value, key!=value, key, !key"),
      labelsError,
    ),
  );

  const status = h("p", { class: "results-status", role: "status" }, "Loading applications…");
  const summary = h("ul", { class: "glance", "aria-label": "Status summary of the listed applications" });
  const results = h("div", { class: "results", "aria-busy": "true" });
  const pager = h("nav", { class: "pager", "aria-label": "Result pages" });

  replace(
    container,
    h(
      "div",
      { class: "page page-apps" },
      h(
        "header",
        { class: "page-head" },
        h("h1", { tabindex: "-1" }, "Applications"),
        h(
          "div",
          { class: "toolbar" },
          h("label", { for: searchId, class: "visually-hidden" }, "Search applications by name"),
          h("div", { class: "search" }, search),
          filterToggle,
          h("div", { class: "segmented", role: "group", "aria-label": "View" }, viewButtons),
        ),
      ),
      h("div", { class: "apps-layout" }, aside, h("section", { class: "apps-results", "aria-label": "Applications" }, summary, status, results, pager)),
    ),
  );

  ctx.focusHeading(container.querySelector("h1"));
  const paint = perFrame(render);
  function changed() {
    setQuery(writeFilters(filters));
    paint();
  }

  function render() {
    if (!loaded) return;
    const all = [...apps.values()];
    const compiled = compile(filters);
    labelsError.textContent = compiled.error;
    labelsError.hidden = !compiled.error;
    labels.setAttribute("aria-invalid", compiled.error ? "true" : "false");
    const facets = facetCounts(all);
    groups.forEach((group, index) => group.update(facets[FACETS[index].id]));
    const shown = compiled.error ? [] : all.filter(compiled.matches).sort(byName);
    const pages = Math.max(1, Math.ceil(shown.length / filters.size));
    if (filters.page > pages) filters.page = pages;
    const start = (filters.page - 1) * filters.size;
    const page = shown.slice(start, start + filters.size);
    const counts = glanceSignature(shown);
    if (counts !== drawn.glance) {
      drawn.glance = counts;
      replace(summary, glance(shown));
    }
    const filtered = activeFilterCount(filters);
    clear.hidden = filtered === 0;
    setText(filterToggle.querySelector(".filters-toggle-text"), filtered ? `Filters (${filtered})` : "Filters");
    setText(status, describe(all.length, shown.length, start, page.length));
    drawResults(page, all.length, shown.length);
    drawPager(pages, shown.length);
    results.setAttribute("aria-busy", "false");
    if (firstPaint) {
      firstPaint = false;
      // For the benchmark and anyone profiling: when the first list reached the screen.
      requestAnimationFrame(() => setTimeout(() => performance.mark("gitopsd:list-painted"), 0));
    }
  }

  function describe(total, matching, start, count) {
    if (total === 0) return "No applications yet.";
    if (matching === 0) return `No applications match the filters (${plural(total, "application")} in all).`;
    const range = count < matching ? `${start + 1}–${start + count} of ` : "";
    const of = matching < total ? ` (filtered from ${total})` : "";
    return `Showing ${range}${plural(matching, "application")}${of}`;
  }

  function element(app) {
    const key = keyOf(app);
    const rv = app?.metadata?.resourceVersion || "";
    const kept = cache.get(key);
    if (kept && kept.rv === rv && kept.view === filters.view) return kept.element;
    const built = filters.view === "tiles" ? tile(app) : row(app);
    cache.set(key, { rv, view: filters.view, element: built });
    return built;
  }

  function drawResults(page, total, matching) {
    const focused = document.activeElement;
    const focusedKey = focused && results.contains(focused) ? focused.closest("[data-key]")?.dataset.key : null;
    if (matching === 0) {
      const empty = h(
        "div",
        { class: "empty" },
        h("p", { class: "empty-title" }, total === 0 ? "No applications yet" : "No applications match these filters"),
        total === 0
          ? h("p", { class: "muted" }, "Applications you are allowed to see appear here as soon as they exist.")
          : h("button", { type: "button", class: "button button-secondary", onclick: () => clear.click() }, "Clear all filters"),
      );
      replace(results, empty);
      return;
    }
    const items = page.map(element);
    if (filters.view === "tiles") {
      let grid = results.querySelector(":scope > ul.tiles");
      if (!grid) {
        grid = h("ul", { class: "tiles" });
        replace(results, grid);
      }
      syncChildren(grid, items);
    } else {
      let body = results.querySelector("tbody");
      if (!body) {
        body = h("tbody");
        replace(results, tableShell(body));
      }
      syncChildren(body, items);
    }
    if (focusedKey && !results.contains(focused)) {
      const again = results.querySelector(`[data-key="${CSS.escape(focusedKey)}"] a`);
      if (again) again.focus();
    }
    if (cache.size > apps.size + 500) {
      for (const key of cache.keys()) if (!apps.has(key)) cache.delete(key);
    }
  }

  // Replace only the rows that changed, so one application's update repaints one tile.
  function syncChildren(parent, items) {
    const current = parent.children;
    if (current.length !== items.length || items.some((item, i) => item.parentNode === parent && current[i] !== item)) {
      parent.replaceChildren(...items);
      return;
    }
    items.forEach((item, i) => {
      if (current[i] !== item) current[i].replaceWith(item);
    });
  }

  function drawPager(pages, matching) {
    const signature = `${filters.page}/${pages}/${filters.size}/${matching <= PAGE_SIZES[0]}`;
    if (signature === drawn.pager) return;
    drawn.pager = signature;
    if (matching <= PAGE_SIZES[0] && pages === 1) {
      replace(pager);
      pager.hidden = true;
      return;
    }
    pager.hidden = false;
    const go = (page) => {
      filters.page = page;
      changed();
      status.scrollIntoView({ block: "nearest" });
    };
    const sizeId = uid("size");
    replace(
      pager,
      h("button", { type: "button", class: "button button-secondary", disabled: filters.page <= 1, onclick: () => go(filters.page - 1) }, "Previous"),
      h("span", { class: "pager-position" }, `Page ${filters.page} of ${pages}`),
      h("button", { type: "button", class: "button button-secondary", disabled: filters.page >= pages, onclick: () => go(filters.page + 1) }, "Next"),
      h("label", { for: sizeId, class: "pager-size" }, "Per page"),
      h(
        "select",
        {
          id: sizeId,
          class: "select",
          onchange: (event) => {
            filters.size = Number(event.target.value);
            filters.page = 1;
            changed();
          },
        },
        PAGE_SIZES.map((size) => h("option", { value: String(size), selected: size === filters.size }, String(size))),
      ),
    );
  }

  function apply(type, app) {
    const key = keyOf(app);
    if (type === "DELETED") apps.delete(key);
    else if (isNewer(app, apps.get(key))) apps.set(key, app);
  }

  async function load() {
    buffered = buffered || [];
    try {
      const list = await get("/api/v1/applications");
      performance.mark("gitopsd:list-loaded");
      apps.clear();
      for (const app of list.items || []) apps.set(keyOf(app), app);
      for (const [type, app] of buffered) apply(type, app);
      buffered = null;
      loaded = true;
      render();
    } catch (error) {
      buffered = null;
      results.setAttribute("aria-busy", "false");
      status.textContent = "";
      replace(
        results,
        h(
          "div",
          { class: "empty", role: "alert" },
          h("p", { class: "empty-title" }, "The applications could not be loaded"),
          h("p", { class: "muted" }, error.message),
          h("button", { type: "button", class: "button button-secondary", onclick: load }, "Retry"),
        ),
      );
    }
  }

  // The stream opens first (without replaying what is there), then the list is read, so
  // no change falls between the two: the server subscribes the stream before it answers.
  // Events that arrive meanwhile are applied on top of the list by resourceVersion. A
  // stream that reconnects means a fresh read; a stream that cannot open does not hold
  // the list back for long.
  let started = false;
  const startOnce = () => {
    if (!started) {
      started = true;
      load();
    }
  };
  stream = watchApplications({
    query: { resourceVersion: "0" },
    onEvent(type, app) {
      if (buffered) buffered.push([type, app]);
      else {
        apply(type, app);
        paint();
      }
    },
    onOpen(reconnected) {
      performance.mark("gitopsd:stream-open");
      if (reconnected) load();
      else startOnce();
    },
  });
  const fallback = setTimeout(startOnce, 1500);

  return {
    destroy() {
      clearTimeout(fallback);
      stream.close();
    },
  };
}
