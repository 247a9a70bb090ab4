// Client-side routes: a table of path patterns and the page each one mounts. Links are
// ordinary <a href> elements (so they work with the keyboard, middle-click and "open in
// new tab"); same-origin clicks are turned into history entries instead of page loads.

const listeners = new Set();

export function onNavigate(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function notify(focus) {
  for (const listener of listeners) listener({ focus });
}

export function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  notify(true);
}

/** Update the query string without a new history entry or a re-render (filters). */
export function setQuery(params) {
  const text = params.toString();
  history.replaceState(null, "", `${location.pathname}${text ? `?${text}` : ""}`);
}

export function match(routes, path) {
  for (const route of routes) {
    const found = route.pattern.exec(path);
    if (found) return { route, params: (found.groups && { ...found.groups }) || {} };
  }
  return null;
}

export function decodeParams(params) {
  const out = {};
  for (const [key, value] of Object.entries(params)) {
    try {
      out[key] = decodeURIComponent(value);
    } catch {
      out[key] = value;
    }
  }
  return out;
}

export function startRouter() {
  window.addEventListener("popstate", () => notify(true));
  document.addEventListener("click", (event) => {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const link = event.target.closest("a[href]");
    if (!link || link.target || link.hasAttribute("download") || link.dataset.external !== undefined) return;
    const target = new URL(link.href, location.href);
    if (target.origin !== location.origin || target.pathname.startsWith("/api/") || target.pathname.startsWith("/auth/")) return;
    if (target.pathname + target.search === location.pathname + location.search) {
      if (target.hash) return; // an anchor on this page (the skip link): the browser's job
      event.preventDefault();
      return;
    }
    event.preventDefault();
    navigate(target.pathname + target.search + target.hash);
  });
}
