// Live versus desired: what of the live object to compare, and a line diff of the two.
//
// The live object carries much the desired one never mentions (status, defaults, uids),
// so `projectOnto` keeps only the fields the desired object sets (list items matched by
// `name` when they have one, else by position; extra live items are kept, since they
// are real differences). `lineDiff` is Myers' O(ND) algorithm; `hunks` groups its output
// with context lines, as `diff -u` does. Pure.

const isMap = (value) => value !== null && typeof value === "object" && !Array.isArray(value);

function byName(items) {
  return items.every((item) => isMap(item) && typeof item.name === "string");
}

export function projectOnto(live, desired) {
  if (isMap(live) && isMap(desired)) {
    const out = {};
    for (const key of Object.keys(desired)) {
      if (Object.prototype.hasOwnProperty.call(live, key)) out[key] = projectOnto(live[key], desired[key]);
    }
    return out;
  }
  if (Array.isArray(live) && Array.isArray(desired)) {
    if (desired.length && byName(desired) && byName(live)) {
      const wanted = new Map(desired.map((item) => [item.name, item]));
      return live.map((item) => (wanted.has(item.name) ? projectOnto(item, wanted.get(item.name)) : item));
    }
    return live.map((item, index) => (index < desired.length ? projectOnto(item, desired[index]) : item));
  }
  return live;
}

/**
 * The desired object as the API server would store it: a Secret's `stringData` is
 * written into `data` (values are masked on both sides, so they compare equal).
 */
export function normalizeDesired(desired) {
  if (!isMap(desired) || desired.kind !== "Secret" || !isMap(desired.stringData)) return desired;
  const { stringData, ...rest } = desired;
  return { ...rest, data: { ...(isMap(desired.data) ? desired.data : {}), ...stringData } };
}

const MAX_EDITS = 4000;

/** Edits turning `a` into `b`: [{op: " " | "-" | "+", text, a, b}] with 1-based line numbers. */
export function lineDiff(a, b) {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  let v = new Int32Array(2 * max + 3);
  const trace = [];
  let found = false;
  for (let d = 0; d <= Math.min(max, MAX_EDITS) && !found; d += 1) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x += 1;
        y += 1;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
  }
  if (!found) {
    // Too different to be worth aligning: everything old out, everything new in.
    return [
      ...a.map((text, i) => ({ op: "-", text, a: i + 1, b: 0 })),
      ...b.map((text, i) => ({ op: "+", text, a: 0, b: i + 1 })),
    ];
  }
  trace.push(v);
  const edits = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 2; d >= 0; d -= 1) {
    const previous = trace[d];
    const k = x - y;
    const prevK = k === -d || (k !== d && previous[offset + k - 1] < previous[offset + k + 1]) ? k + 1 : k - 1;
    const prevX = previous[offset + prevK];
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      edits.push({ op: " ", text: a[x - 1], a: x, b: y });
      x -= 1;
      y -= 1;
    }
    if (d > 0) {
      if (x === prevX) edits.push({ op: "+", text: b[y - 1], a: 0, b: y });
      else edits.push({ op: "-", text: a[x - 1], a: x, b: 0 });
    }
    x = prevX;
    y = prevY;
  }
  return edits.reverse();
}

/** Edits grouped into hunks with `context` unchanged lines around each change. */
export function hunks(edits, context = 3) {
  const changed = edits.map((e) => e.op !== " ");
  const keep = edits.map((_, i) => {
    for (let j = Math.max(0, i - context); j <= Math.min(edits.length - 1, i + context); j += 1) {
      if (changed[j]) return true;
    }
    return false;
  });
  const groups = [];
  let current = null;
  edits.forEach((edit, i) => {
    if (!keep[i]) {
      current = null;
      return;
    }
    if (!current) {
      current = { lines: [], skippedBefore: 0 };
      groups.push(current);
    }
    current.lines.push(edit);
  });
  let cursor = 0;
  for (const group of groups) {
    const first = edits.indexOf(group.lines[0]);
    group.skippedBefore = first - cursor;
    cursor = first + group.lines.length;
  }
  return { groups, skippedAfter: edits.length - cursor };
}

export function countChanges(edits) {
  let added = 0;
  let removed = 0;
  for (const edit of edits) {
    if (edit.op === "+") added += 1;
    else if (edit.op === "-") removed += 1;
  }
  return { added, removed };
}
