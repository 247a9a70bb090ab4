// JSON values as YAML text, for showing manifests the way people read them.
// Deterministic (keys keep their order), and every string that YAML could read as
// something else is double-quoted. Pure; the result is shown as text, never as markup.

const PLAIN = /^[A-Za-z0-9_./][A-Za-z0-9_./ :@+=-]*$/;
const SPECIAL = /^(true|false|yes|no|on|off|null|~|y|n)$/i;
const NUMBER = /^[-+]?(\.?[0-9][0-9_]*(\.[0-9_]*)?([eE][-+]?[0-9]+)?|0x[0-9a-fA-F]+|0o[0-7]+|\.inf|\.nan)$/i;

function scalar(value) {
  if (value === null || value === undefined) return "null";
  if (typeof value === "boolean" || typeof value === "number") return String(value);
  const text = String(value);
  const plain =
    text !== "" &&
    PLAIN.test(text) &&
    !SPECIAL.test(text) &&
    !NUMBER.test(text) &&
    !text.endsWith(" ") &&
    !text.includes(": ") &&
    !text.endsWith(":");
  return plain ? text : JSON.stringify(text);
}

function isBlock(value) {
  return typeof value === "string" && value.includes("\n") && !/[\r\t]/.test(value) && !/^\s/.test(value);
}

function block(text, pad) {
  const indicator = text.endsWith("\n") ? "|" : "|-";
  const body = text.endsWith("\n") ? text.slice(0, -1) : text;
  return `${indicator}\n${body.split("\n").map((line) => (line ? pad + line : "")).join("\n")}`;
}

const isMap = (value) => value !== null && typeof value === "object" && !Array.isArray(value);

function lines(value, indent) {
  const pad = "  ".repeat(indent);
  if (Array.isArray(value)) {
    if (value.length === 0) return [`${pad}[]`];
    const out = [];
    for (const item of value) {
      if ((isMap(item) && Object.keys(item).length) || (Array.isArray(item) && item.length)) {
        const inner = lines(item, indent + 1);
        out.push(`${pad}- ${inner[0].trimStart()}`, ...inner.slice(1));
      } else if (isBlock(item)) {
        out.push(`${pad}- ${block(item, `${pad}  `)}`);
      } else {
        out.push(`${pad}- ${isMap(item) ? "{}" : Array.isArray(item) ? "[]" : scalar(item)}`);
      }
    }
    return out;
  }
  if (isMap(value)) {
    const keys = Object.keys(value);
    if (keys.length === 0) return [`${pad}{}`];
    const out = [];
    for (const key of keys) {
      const item = value[key];
      const name = scalar(key);
      if ((isMap(item) && Object.keys(item).length) || (Array.isArray(item) && item.length)) {
        out.push(`${pad}${name}:`, ...lines(item, Array.isArray(item) ? indent : indent + 1));
      } else if (isBlock(item)) {
        out.push(`${pad}${name}: ${block(item, `${pad}  `)}`);
      } else {
        out.push(`${pad}${name}: ${isMap(item) ? "{}" : Array.isArray(item) ? "[]" : scalar(item)}`);
      }
    }
    return out;
  }
  return [`${pad}${scalar(value)}`];
}

export function toYaml(value) {
  return `${lines(value, 0).join("\n")}\n`;
}
