// Label selectors as people type them in the filter box: `team=web`, `tier!=db`,
// `canary` (has the key), `!legacy` (lacks it), and `env in (dev,staging)`, comma-separated.
// Pure; the server accepts the same text in ?selector=.

const SET = /^([^\s!=,()]+)\s+(in|notin)\s+\(([^)]*)\)$/;
const PAIR = /^([^\s!=,()]+)\s*(==|=|!=)\s*([^\s!=,()]*)$/;
const KEY = /^(!?)([^\s!=,()]+)$/;

function splitTerms(text) {
  const terms = [];
  let depth = 0;
  let current = "";
  for (const char of text) {
    if (char === "(") depth += 1;
    if (char === ")") depth = Math.max(0, depth - 1);
    if (char === "," && depth === 0) {
      terms.push(current.trim());
      current = "";
    } else {
      current += char;
    }
  }
  if (current.trim()) terms.push(current.trim());
  return terms.filter(Boolean);
}

/** Parse a selector; throws Error with a readable message when a term is not understood. */
export function parseSelector(text) {
  const requirements = [];
  for (const term of splitTerms(String(text || ""))) {
    let match = SET.exec(term);
    if (match) {
      const values = match[3].split(",").map((v) => v.trim()).filter(Boolean);
      requirements.push({ key: match[1], op: match[2], values });
      continue;
    }
    match = PAIR.exec(term);
    if (match) {
      requirements.push({ key: match[1], op: match[2] === "!=" ? "!=" : "=", values: [match[3]] });
      continue;
    }
    match = KEY.exec(term);
    if (match) {
      requirements.push({ key: match[2], op: match[1] ? "!exists" : "exists", values: [] });
      continue;
    }
    throw new Error(`cannot read "${term}": use key=value, key!=value, key, !key or key in (a,b)`);
  }
  return requirements;
}

export function matchesSelector(requirements, labels) {
  const have = labels || {};
  return requirements.every(({ key, op, values }) => {
    const present = Object.prototype.hasOwnProperty.call(have, key);
    switch (op) {
      case "=":
        return present && have[key] === values[0];
      case "!=":
        return !present || have[key] !== values[0];
      case "in":
        return present && values.includes(have[key]);
      case "notin":
        return !present || !values.includes(have[key]);
      case "exists":
        return present;
      case "!exists":
        return !present;
      default:
        return false;
    }
  });
}
