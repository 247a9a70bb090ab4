// What the signed-in user may do, asked of the server (`can-i`) so buttons RBAC would
// refuse are not shown. Answers are kept briefly; the server still checks every call.

import { get, seg } from "./api.js";

const TTL_MS = 30000;
const answers = new Map();

export async function can(resource, action, object) {
  const key = `${resource} ${action} ${object}`;
  const kept = answers.get(key);
  if (kept && Date.now() - kept.at < TTL_MS) return kept.value;
  const path = `/api/v1/account/can-i/${seg(resource)}/${seg(action)}/${String(object).split("/").map(seg).join("/")}`;
  const value = get(path).then(
    (answer) => Boolean(answer && answer.value === "yes"),
    () => false,
  );
  answers.set(key, { at: Date.now(), value });
  return value;
}

export function forgetRights() {
  answers.clear();
}
