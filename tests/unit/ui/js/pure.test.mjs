// The web UI's pure modules (no DOM): YAML output, the line diff and the live/desired
// projection, label selectors, list filters and status helpers. Run by node's test
// runner from tests/unit/ui/test_js.py.

import assert from "node:assert/strict";
import { test } from "node:test";

import { hunks, lineDiff, countChanges, normalizeDesired, projectOnto } from "../../../../src/gitopsd/server/static/assets/js/diff.js";
import { matchesSelector, parseSelector } from "../../../../src/gitopsd/server/static/assets/js/labels.js";
import { toYaml } from "../../../../src/gitopsd/server/static/assets/js/yaml.js";
import { compile, facetCounts, readFilters, writeFilters } from "../../../../src/gitopsd/server/static/assets/js/filters.js";
import { automationLabel, operationOf, shortRevision } from "../../../../src/gitopsd/server/static/assets/js/format.js";
import { safeReturn } from "../../../../src/gitopsd/server/static/assets/js/session.js";
import { isNewer } from "../../../../src/gitopsd/server/static/assets/js/live.js";

function apply(a, edits) {
  return edits.filter((e) => e.op !== "-").map((e) => e.text);
}

test("yaml quotes what YAML would misread and keeps markup as plain text", () => {
  const text = toYaml({
    name: "web",
    replicas: 3,
    flag: "true",
    version: "1.10",
    colon: "a: b",
    empty: "",
    script: "<script>alert(1)</script>",
    list: [{ name: "c", ports: [80] }, "x"],
    nothing: {},
    none: [],
    block: "line one\nline two\n",
  });
  assert.equal(
    text,
    [
      "name: web",
      "replicas: 3",
      'flag: "true"',
      'version: "1.10"',
      'colon: "a: b"',
      'empty: ""',
      'script: "<script>alert(1)</script>"',
      "list:",
      "- name: c",
      "  ports:",
      "  - 80",
      "- x",
      "nothing: {}",
      "none: []",
      "block: |",
      "  line one",
      "  line two",
      "",
    ].join("\n"),
  );
});

test("line diff turns the old lines into the new ones with minimal edits", () => {
  const a = "apiVersion kind replicas: 3 image: old name".split(" ");
  const b = "apiVersion kind replicas: 1 image: new name".split(" ");
  const edits = lineDiff(a, b);
  assert.deepEqual(apply(a, edits), b);
  assert.deepEqual(countChanges(edits), { added: 2, removed: 2 });
  assert.deepEqual(lineDiff([], ["x"]).map((e) => e.op), ["+"]);
  assert.deepEqual(lineDiff(["x"], []).map((e) => e.op), ["-"]);
  assert.deepEqual(lineDiff(["same"], ["same"]).map((e) => e.op), [" "]);
});

test("hunks keep three lines of context and count what they skip", () => {
  const a = Array.from({ length: 20 }, (_, i) => `line ${i}`);
  const b = [...a];
  b[10] = "changed";
  const { groups, skippedAfter } = hunks(lineDiff(a, b), 3);
  assert.equal(groups.length, 1);
  assert.equal(groups[0].skippedBefore, 7);
  assert.equal(groups[0].lines.length, 8);
  assert.equal(skippedAfter, 6);
});

test("the live object is compared on the fields Git sets, lists matched by name", () => {
  const live = {
    metadata: { name: "web", uid: "1", resourceVersion: "9" },
    spec: {
      replicas: 3,
      strategy: { type: "RollingUpdate" },
      containers: [
        { name: "sidecar", image: "proxy" },
        { name: "app", image: "web:2", imagePullPolicy: "IfNotPresent" },
      ],
    },
    status: { ready: 3 },
  };
  const desired = { metadata: { name: "web" }, spec: { replicas: 1, containers: [{ name: "app", image: "web:1" }] } };
  assert.deepEqual(projectOnto(live, desired), {
    metadata: { name: "web" },
    spec: { replicas: 3, containers: [{ name: "sidecar", image: "proxy" }, { name: "app", image: "web:2" }] },
  });
});

test("label selectors: equality, inequality, existence and sets", () => {
  const labels = { team: "web", env: "prod" };
  const check = (text) => matchesSelector(parseSelector(text), labels);
  assert.ok(check("team=web"));
  assert.ok(check("team==web, env"));
  assert.ok(!check("team!=web"));
  assert.ok(check("!legacy"));
  assert.ok(check("env in (dev, prod)"));
  assert.ok(!check("env notin (prod)"));
  assert.ok(check(""));
  assert.throws(() => parseSelector("team=web=x"), /cannot read/);
});

function app(name, { project = "default", sync = "Synced", health = "Healthy", labels = {}, server = "https://kubernetes.default.svc", namespace = "web" } = {}) {
  return {
    metadata: { name, namespace: "gitopsd", labels },
    spec: { project, destination: { server, namespace } },
    status: { sync: { status: sync }, health: { status: health } },
  };
}

test("list filters combine, and survive a round trip through the URL", () => {
  const apps = [
    app("api", { project: "backend", sync: "OutOfSync", labels: { team: "core" } }),
    app("web", { project: "frontend" }),
    app("worker", { project: "backend", health: "Degraded", namespace: "jobs" }),
  ];
  const filters = readFilters("?project=backend&q=w&view=table&page=2&size=100");
  assert.equal(filters.view, "table");
  assert.equal(filters.size, 100);
  assert.deepEqual(apps.filter(compile(filters).matches).map((a) => a.metadata.name), ["worker"]);
  filters.text = "";
  filters.labels = "team=core";
  assert.deepEqual(apps.filter(compile(filters).matches).map((a) => a.metadata.name), ["api"]);
  const again = readFilters(`?${writeFilters(filters)}`);
  assert.deepEqual([...again.sets.project], ["backend"]);
  assert.equal(again.labels, "team=core");
  assert.equal(again.page, 2);
  filters.labels = "team=(";
  assert.match(compile(filters).error, /cannot read/);
  const counts = facetCounts(apps);
  assert.equal(counts.project.get("backend"), 2);
  assert.equal(counts.health.get("Degraded"), 1);
  assert.equal(counts.namespace.get("jobs"), 1);
});

test("status helpers", () => {
  assert.equal(shortRevision("a".repeat(40)), "aaaaaaa");
  assert.equal(shortRevision("main"), "main");
  assert.equal(automationLabel({ spec: {} }), "Manual");
  assert.equal(automationLabel({ spec: { syncPolicy: { automated: { selfHeal: true } } } }), "Automated (self-heal)");
  assert.equal(automationLabel({ spec: { syncPolicy: { automated: { enabled: false } } } }), "Automated sync paused");
  assert.equal(operationOf({ operation: { sync: {} } }).phase, "Pending");
  assert.equal(operationOf({ status: { operationState: { phase: "Succeeded" } } }).phase, "Succeeded");
  assert.ok(isNewer({ metadata: { resourceVersion: "12" } }, { metadata: { resourceVersion: "9" } }));
  assert.ok(!isNewer({ metadata: { resourceVersion: "9" } }, { metadata: { resourceVersion: "12" } }));
});

test("sign-in only returns to paths of this site", () => {
  assert.equal(safeReturn("/applications/gitopsd/web"), "/applications/gitopsd/web");
  assert.equal(safeReturn("//evil.example/x"), "/applications");
  assert.equal(safeReturn("https://evil.example/"), "/applications");
  assert.equal(safeReturn("/login?return=/x"), "/applications");
  assert.equal(safeReturn(null), "/applications");
});

test("a Secret's stringData is compared as the data the API server stores", () => {
  const desired = { kind: "Secret", stringData: { password: "++++++++" }, data: { user: "++++++++" } };
  assert.deepEqual(normalizeDesired(desired), { kind: "Secret", data: { user: "++++++++", password: "++++++++" } });
  const config = { kind: "ConfigMap", stringData: { a: "b" } };
  assert.equal(normalizeDesired(config), config);
});
