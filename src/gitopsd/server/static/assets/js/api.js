// The JSON API client: same-origin requests carrying the session cookie, the CSRF header
// on every change (echoing the gitopsd.csrf cookie), and errors as ApiError with the
// server's message. A 401 on any call but sign-in announces "signed out" so the app can
// send the person to the sign-in page.

export const CSRF_COOKIE = "gitopsd.csrf";
export const CSRF_HEADER = "X-CSRF-Token";
export const SIGNED_OUT = "gitopsd:signed-out";

export class ApiError extends Error {
  constructor(status, message, retryAfter = 0) {
    super(message);
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

export function cookie(name) {
  for (const part of document.cookie.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return decodeURIComponent(rest.join("="));
  }
  return "";
}

export function url(path, query) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query || {})) {
    if (value === undefined || value === null || value === "") continue;
    for (const item of Array.isArray(value) ? value : [value]) params.append(key, String(item));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** Encode one path segment (application names, revisions). */
export const seg = (value) => encodeURIComponent(String(value));

export async function request(method, path, { query, body, quiet401 = false } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && method !== "HEAD") headers[CSRF_HEADER] = cookie(CSRF_COOKIE);
  let response;
  try {
    response = await fetch(url(path, query), {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new ApiError(0, "The server cannot be reached. Check your connection and retry.");
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    const message = (data && (data.message || data.error)) || `${response.status} ${response.statusText}`;
    if (response.status === 401 && !quiet401) window.dispatchEvent(new CustomEvent(SIGNED_OUT));
    const retry = Number(response.headers.get("Retry-After") || 0);
    throw new ApiError(response.status, message, Number.isFinite(retry) ? retry : 0);
  }
  return data;
}

export const get = (path, query, options = {}) => request("GET", path, { query, ...options });
export const post = (path, body, query) => request("POST", path, { body: body ?? {}, query });
export const put = (path, body, query) => request("PUT", path, { body: body ?? {}, query });
export const patch = (path, body, query) => request("PATCH", path, { body: body ?? {}, query });
export const del = (path, query) => request("DELETE", path, { query });
