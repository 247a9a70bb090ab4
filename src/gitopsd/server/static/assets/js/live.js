// Live application changes over Server-Sent Events (GET /api/v1/stream/applications).
//
// The browser's EventSource sends the session cookie and reconnects by itself after a
// dropped connection; `onOpen(reconnected)` tells the page to reload what it may have
// missed. A stream the server refuses (signed out) is not retried here: the page asks
// who is signed in and goes to the sign-in page if nobody is.

import { url } from "./api.js";

const RETRY_MS = [1000, 2000, 5000, 10000];

export function watchApplications({ query, onEvent, onOpen, onClosed }) {
  let source = null;
  let attempts = 0;
  let opened = false;
  let stopped = false;
  let timer = 0;

  function connect() {
    source = new EventSource(url("/api/v1/stream/applications", query), { withCredentials: true });
    source.addEventListener("open", () => {
      const reconnected = opened;
      opened = true;
      attempts = 0;
      if (onOpen) onOpen(reconnected);
    });
    source.addEventListener("message", (message) => {
      let data;
      try {
        data = JSON.parse(message.data);
      } catch {
        return;
      }
      const result = data && data.result;
      if (!result || !result.application) return;
      // The last event's arrival, for profiling (one mark, replaced each time).
      performance.clearMarks("gitopsd:event");
      performance.mark("gitopsd:event");
      onEvent(result.type, result.application);
    });
    source.addEventListener("error", () => {
      if (stopped || source.readyState !== EventSource.CLOSED) return;
      // Refused outright (no retry by the browser): try again later, and let the page
      // check whether the session is still there.
      if (onClosed) onClosed();
      const delay = RETRY_MS[Math.min(attempts, RETRY_MS.length - 1)];
      attempts += 1;
      timer = setTimeout(() => !stopped && connect(), delay);
    });
  }

  connect();
  return {
    close() {
      stopped = true;
      clearTimeout(timer);
      if (source) source.close();
    },
  };
}

/** Whether `incoming` is at least as new as `current` (resourceVersions, when numeric). */
export function isNewer(incoming, current) {
  if (!current) return true;
  const a = Number(incoming?.metadata?.resourceVersion);
  const b = Number(current?.metadata?.resourceVersion);
  if (Number.isFinite(a) && Number.isFinite(b)) return a >= b;
  return true;
}
