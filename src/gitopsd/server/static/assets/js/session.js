// Who is signed in, whether SSO is offered, signing in and out.
//
// `GET /api/v1/session/userinfo` answers without a session ({loggedIn: false}), and
// `GET /api/v1/settings` says whether OIDC is configured (a server without that endpoint
// answers 404, read as "no SSO").

import { ApiError, del, get, post } from "./api.js";

export const state = { user: null, settings: null };

export async function loadUser() {
  const info = await get("/api/v1/session/userinfo", undefined, { quiet401: true });
  state.user = info && info.loggedIn ? info : null;
  return state.user;
}

/** {sso: bool, ssoName: string}; errors and a missing endpoint mean "no SSO". */
export async function loadSettings() {
  if (state.settings) return state.settings;
  let settings = {};
  try {
    settings = (await get("/api/v1/settings", undefined, { quiet401: true })) || {};
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
  }
  const oidc = settings.oidcConfig;
  const sso = Boolean((oidc && (oidc.name || oidc.issuer || oidc.clientID)) || settings.ssoEnabled);
  state.settings = { sso, ssoName: (oidc && oidc.name) || "" };
  return state.settings;
}

export async function signIn(username, password) {
  await post("/api/v1/session", { username, password });
  return loadUser();
}

export async function signOut() {
  try {
    await del("/api/v1/session");
  } finally {
    state.user = null;
  }
}

/** Where the SSO button goes: the server's /auth/login, coming back to `returnTo`. */
export function ssoLoginUrl(returnTo) {
  const params = new URLSearchParams({ return_url: returnTo || "/applications" });
  return `/auth/login?${params}`;
}

/** A same-site path to return to after sign-in; anything else becomes the app list. */
export function safeReturn(path) {
  if (typeof path !== "string" || !path.startsWith("/") || path.startsWith("//")) {
    return "/applications";
  }
  if (path.startsWith("/login") || path.startsWith("/api/") || path.startsWith("/auth/")) {
    return "/applications";
  }
  return path;
}
