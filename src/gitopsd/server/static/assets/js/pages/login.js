// The sign-in page: a local user name and password, and "Log in via SSO" when the server
// has an identity provider configured. Errors are announced; a rate-limited attempt says
// how long to wait.

import { ApiError } from "../api.js";
import { h, replace, uid } from "../dom.js";
import { loadSettings, safeReturn, signIn, ssoLoginUrl } from "../session.js";
import { icon } from "../widgets/icons.js";

export const title = "Sign in";
export const bare = true;

export function mount(container, params, ctx) {
  const returnTo = safeReturn(new URLSearchParams(location.search).get("return"));
  const userId = uid("user");
  const passwordId = uid("password");
  const errorId = uid("error");
  const error = h("p", { class: "form-error", id: errorId, role: "alert", hidden: true });
  const username = h("input", { id: userId, name: "username", type: "text", class: "text-input", autocomplete: "username", autocapitalize: "none", spellcheck: "false", required: true });
  const password = h("input", { id: passwordId, name: "password", type: "password", class: "text-input", autocomplete: "current-password", required: true });
  const submit = h("button", { type: "submit", class: "button button-primary button-block" }, "Sign in");
  const sso = h("div", { class: "sso", hidden: true });
  const heading = h("h1", { tabindex: "-1" }, "Sign in to gitopsd");
  const queryError = new URLSearchParams(location.search).get("error");

  function showError(message) {
    error.textContent = message;
    error.hidden = !message;
    for (const input of [username, password]) {
      if (message) input.setAttribute("aria-describedby", errorId);
      else input.removeAttribute("aria-describedby");
    }
  }

  const form = h(
    "form",
    {
      class: "form login-form",
      novalidate: true,
      onsubmit: async (event) => {
        event.preventDefault();
        if (!username.value || !password.value) {
          showError("Enter your user name and password.");
          (username.value ? password : username).focus();
          return;
        }
        submit.disabled = true;
        submit.textContent = "Signing in…";
        showError("");
        try {
          await signIn(username.value, password.value);
          ctx.signedIn(returnTo);
        } catch (problem) {
          password.value = "";
          if (problem instanceof ApiError && problem.status === 429) {
            const wait = problem.retryAfter ? ` Try again in ${problem.retryAfter} seconds.` : " Try again later.";
            showError(`Too many sign-in attempts.${wait}`);
          } else if (problem instanceof ApiError && problem.status === 401) {
            showError("Invalid user name or password.");
          } else {
            showError(problem.message || "Sign-in failed.");
          }
          password.focus();
        } finally {
          submit.disabled = false;
          submit.textContent = "Sign in";
        }
      },
    },
    h("div", { class: "field" }, h("label", { for: userId }, "User name"), username),
    h("div", { class: "field" }, h("label", { for: passwordId }, "Password"), password),
    error,
    submit,
  );

  replace(
    container,
    h(
      "div",
      { class: "login" },
      h(
        "section",
        { class: "login-card", "aria-labelledby": "login-title" },
        h("div", { class: "login-brand" }, icon("logo", "brand-mark"), h("span", null, "gitopsd")),
        h("div", { id: "login-title" }, heading),
        h("p", { class: "muted" }, "Applications, their state in the cluster and their history in Git."),
        sso,
        form,
      ),
    ),
  );
  if (queryError) showError(queryError.slice(0, 200));
  username.focus(); // the one thing to do on this page

  loadSettings().then((settings) => {
    if (!settings.sso) return;
    replace(
      sso,
      h("a", { class: "button button-secondary button-block", href: ssoLoginUrl(returnTo), "data-external": "" }, "Log in via SSO"),
      settings.ssoName ? h("p", { class: "hint center" }, `with ${settings.ssoName}`) : null,
      h("p", { class: "divider" }, h("span", null, "or with a local account")),
    );
    sso.hidden = false;
  });
  return {};
}
