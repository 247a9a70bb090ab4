// The web UI's entry point: the page frame (navigation, who is signed in), the route
// table, and moving between pages. Pages are modules with mount(container, params, ctx)
// returning {destroy()}; they get `ctx` to put focus on their heading after a
// navigation (so screen readers announce the new page) and to finish a sign-in.

import { SIGNED_OUT } from "./api.js";
import { h, replace } from "./dom.js";
import { forgetRights } from "./rbac.js";
import { decodeParams, match, navigate, onNavigate, startRouter } from "./router.js";
import { loadUser, signOut, state } from "./session.js";
import { icon } from "./widgets/icons.js";
import { toast } from "./widgets/toast.js";
import * as application from "./pages/application.js";
import * as applications from "./pages/applications.js";
import { appsets, clusters, notFound, projects } from "./pages/catalog.js";
import * as login from "./pages/login.js";

const ROUTES = [
  { pattern: /^\/login\/?$/, page: login },
  { pattern: /^\/$/, redirect: "/applications" },
  { pattern: /^\/applications\/?$/, page: applications, section: "applications" },
  { pattern: /^\/applications\/(?<namespace>[^/]+)\/(?<name>[^/]+)\/?$/, page: application, section: "applications" },
  { pattern: /^\/projects\/?$/, page: projects, section: "projects" },
  { pattern: /^\/applicationsets\/?$/, page: appsets, section: "applicationsets" },
  { pattern: /^\/clusters\/?$/, page: clusters, section: "clusters" },
];

const SECTIONS = [
  ["applications", "/applications", "Applications"],
  ["applicationsets", "/applicationsets", "ApplicationSets"],
  ["projects", "/projects", "Projects"],
  ["clusters", "/clusters", "Clusters"],
];

const root = document.getElementById("root");
let current = null;
let wantFocus = false;

const main = h("main", { id: "main", tabindex: "-1" });
const navLinks = new Map(SECTIONS.map(([id, href, text]) => [id, h("a", { href }, text)]));
const nav = h("nav", { id: "site-nav", class: "site-nav", "aria-label": "Main" }, h("ul", null, [...navLinks.values()].map((a) => h("li", null, a))));
const menuToggle = h(
  "button",
  {
    type: "button",
    class: "icon-button menu-toggle",
    "aria-expanded": "false",
    "aria-controls": "site-nav",
    "aria-label": "Menu",
    onclick: () => {
      const open = menuToggle.getAttribute("aria-expanded") !== "true";
      menuToggle.setAttribute("aria-expanded", String(open));
      nav.classList.toggle("is-open", open);
    },
  },
  icon("menu"),
);
const userName = h("span", { class: "user-name" });
const signOutButton = h(
  "button",
  {
    type: "button",
    class: "button button-ghost",
    onclick: async () => {
      try {
        await signOut();
      } catch (error) {
        toast(`Sign-out failed: ${error.message}`, "error");
        return;
      }
      forgetRights();
      navigate("/login");
    },
  },
  "Sign out",
);
const topbar = h(
  "header",
  { class: "topbar" },
  h("a", { class: "brand", href: "/applications" }, icon("logo", "brand-mark"), h("span", null, "gitopsd")),
  menuToggle,
  nav,
  h("div", { class: "user" }, icon("branch", "user-icon"), userName, signOutButton),
);
const skip = h("a", { class: "skip-link", href: "#main" }, "Skip to content");

const ctx = {
  focusHeading(element) {
    if (wantFocus && element) {
      wantFocus = false;
      element.focus();
    }
    return element;
  },
  signedIn(returnTo) {
    forgetRights();
    wantFocus = true;
    navigate(returnTo, { replace: true });
  },
};

function frame(bare, section) {
  if (bare) {
    if (root.firstChild !== main || root.childElementCount !== 1) replace(root, main);
    return;
  }
  if (!root.contains(topbar)) replace(root, skip, topbar, main);
  userName.textContent = state.user ? state.user.username : "";
  for (const [id, link] of navLinks) {
    if (id === section) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  menuToggle.setAttribute("aria-expanded", "false");
  nav.classList.remove("is-open");
}

async function show({ focus }) {
  wantFocus = focus;
  const path = location.pathname;
  const found = match(ROUTES, path);
  if (found && found.route.redirect) {
    navigate(found.route.redirect, { replace: true });
    return;
  }
  const page = found ? found.route.page : notFound;
  if (!page.bare && !state.user) {
    try {
      await loadUser();
    } catch {
      state.user = null;
    }
    if (!state.user) {
      const back = path + location.search;
      navigate(`/login${back.startsWith("/applications") || back.startsWith("/project") || back.startsWith("/clusters") ? `?return=${encodeURIComponent(back)}` : ""}`, { replace: true });
      return;
    }
  }
  if (page === login && !state.user) {
    try {
      await loadUser();
    } catch {
      state.user = null;
    }
    if (state.user) {
      navigate("/applications", { replace: true });
      return;
    }
  }
  if (current && current.destroy) current.destroy();
  current = null;
  frame(Boolean(page.bare), found && found.route.section);
  main.replaceChildren();
  const params = found ? decodeParams(found.params) : {};
  const title = typeof page.title === "function" ? page.title(params) : page.title;
  document.title = `${title} · gitopsd`;
  current = page.mount(main, params, ctx) || {};
  window.scrollTo(0, 0);
}

window.addEventListener(SIGNED_OUT, () => {
  if (!state.user) return;
  state.user = null;
  forgetRights();
  toast("Your session has ended. Sign in again.", "error");
  const back = location.pathname + location.search;
  navigate(`/login?return=${encodeURIComponent(back)}`, { replace: true });
});

startRouter();
onNavigate(show);
show({ focus: false });
