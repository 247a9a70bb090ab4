// Modal dialogs on the native <dialog> element: the browser keeps focus inside, Escape
// closes it, and focus returns to what opened it. Each dialog is labelled by its title.

import { h, uid } from "../dom.js";
import { icon } from "./icons.js";

/**
 * open({title, body, actions, onClose, wide}) → {dialog, close, setBusy, showError}
 * `actions` are buttons; the first one with data-autofocus (or the first field) gets focus.
 */
export function openDialog({ title, description, body, actions = [], onClose, wide = false }) {
  const titleId = uid("dialog-title");
  const descriptionId = description ? uid("dialog-desc") : undefined;
  const error = h("p", { class: "form-error", role: "alert", hidden: true });
  const opener = document.activeElement;
  const dialog = h(
    "dialog",
    { class: ["dialog", wide && "dialog-wide"], "aria-labelledby": titleId, "aria-describedby": descriptionId },
    h(
      "div",
      { class: "dialog-head" },
      h("h2", { id: titleId }, title),
      h("button", { type: "button", class: "icon-button", "aria-label": "Close", onclick: () => close() }, icon("close")),
    ),
    description ? h("p", { id: descriptionId, class: "dialog-description" }, description) : null,
    h("div", { class: "dialog-body" }, body),
    error,
    h("div", { class: "dialog-actions" }, ...actions),
  );
  let closed = false;
  function close() {
    if (closed) return;
    closed = true;
    if (dialog.open) dialog.close();
    dialog.remove();
    if (onClose) onClose();
    if (opener && typeof opener.focus === "function" && opener.isConnected) opener.focus();
  }
  dialog.addEventListener("close", close);
  document.body.appendChild(dialog);
  dialog.showModal();
  const first = dialog.querySelector("[data-autofocus]") || dialog.querySelector(".dialog-body input, .dialog-body select, .dialog-body textarea");
  if (first) first.focus();
  return {
    dialog,
    close,
    setBusy(busy) {
      for (const button of dialog.querySelectorAll(".dialog-actions button")) button.disabled = busy;
      dialog.setAttribute("aria-busy", busy ? "true" : "false");
    },
    showError(message) {
      error.textContent = message;
      error.hidden = !message;
    },
  };
}
