// The lab page: controls -> JSON requests; the server (actlab) computes, this file draws.
import { STRINGS, lang, setLang, t } from "./i18n.js";
import { heatmap, histogram, lines, logBars } from "./charts.js";

const $ = (id) => document.getElementById(id);
const LANG_KEY = "actlab.lab.lang";
let meta = null, config = null, ws = null, running = false, last = null, sweepData = null, inspectData = null;

// ------------------------------------------------------------------ errors, language
function showError(msg) { $("error").textContent = msg ? `${t("error")}: ${msg}` : ""; }

async function api(path, body) {
  const r = await fetch(path, body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  const data = await r.json();
  if (!r.ok) throw new Error(data.error || r.statusText);
  return data;
}

function applyLang(l) {
  setLang(l);
  localStorage.setItem(LANG_KEY, l);
  document.documentElement.lang = l;
  document.title = t("title");
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  $("lang").textContent = t("lang");
  $("train").textContent = running ? t("pause") : t("start");
  fillSelect($("dataset"), [...meta.datasets, ...(config.dataset === "upload" ? ["upload"] : [])],
             (d) => t(`ds_${d}`), config.dataset);
  fillSelect($("init"), ["xavier", "he", "normal"], (v) => t(`init_${v}`), config.init);
  fillSelect($("optimizer"), ["sgd", "momentum", "adam"], (v) => t(`opt_${v}`), config.optimizer);
  buildLayers();
  drawInspector();
  if (last) drawFrame(last);
  if (sweepData) drawSweep(sweepData);
}

function fillSelect(sel, values, label, chosen) {
  sel.replaceChildren(...values.map((v) => new Option(label(v), v, false, v === chosen)));
}

// ------------------------------------------------------------------ share URL
function shareURL() {
  const u = new URL(location.href);
  u.hash = "config=" + encodeURIComponent(JSON.stringify(config));
  return u.toString();
}

function configFromURL() {
  const m = location.hash.match(/config=([^&]+)/);
  if (!m) return null;
  try { return JSON.parse(decodeURIComponent(m[1])); } catch { showError(t("bad_link")); return null; }
}

// ------------------------------------------------------------------ inspector
function paramControls(box, name, values, onChange, prefix) {
  const act = meta.activations.find((a) => a.name === name);
  box.replaceChildren();
  for (const p of act.params) {
    const label = document.createElement("label");
    const cur = values[p.name] ?? p.default;
    const span = document.createElement("span");
    let input;
    if (p.kind === "number") {
      input = Object.assign(document.createElement("input"), { type: "range", min: p.min, max: p.max, step: p.step, value: cur });
      span.textContent = `${p.name} = ${cur}`;
      input.oninput = () => { span.textContent = `${p.name} = ${input.value}`; };
      input.onchange = () => onChange(p.name, Number(input.value));
    } else {
      input = document.createElement("select");
      fillSelect(input, p.choices, (v) => v, cur);
      span.textContent = p.name;
      input.onchange = () => onChange(p.name, input.value);
    }
    input.dataset.testid = `${prefix}-${p.name}`;
    label.append(span, input);
    box.append(label);
  }
}

const inspect = { activation: "sigmoid", params: {} };

async function runInspect() {
  try {
    inspectData = await api("/api/inspect", { activation: inspect.activation, params: inspect.params });
    drawInspector();
    await runValue();
  } catch (e) { showError(e.message); }
}

async function runValue() {
  const x = Number($("inspect-x").value.trim());
  if ($("inspect-x").value.trim() === "" || !Number.isFinite(x)) { showError(t("bad_x", { x: $("inspect-x").value })); return; }
  try {
    const v = await api("/api/value", { activation: inspect.activation, params: inspect.params, x });
    $("inspect-value").textContent = v.f; $("inspect-grad").textContent = v.grad; $("inspect-grad2").textContent = v.grad2;
    showError("");
  } catch (e) { showError(e.message); }
}

function drawInspector() {
  if (!inspectData) return;
  const d = inspectData, color = meta.palette.activations[inspect.activation].color, o = meta.palette.orders;
  $("inspect-formula").textContent = `f(x) = ${d.formula}   ·   f′(x) = ${d.grad_formula}`;
  lines($("inspect-chart"), [
    { label: "f", x: d.x, y: d.f, color, dash: o["0"].dasharray },
    { label: "f′", x: d.x, y: d.grad, color, dash: o["1"].dasharray, width: 1.6 },
    { label: "f″", x: d.x, y: d.grad2, color, dash: o["2"].dasharray, width: 1.4 },
  ], { hoverEl: $("inspect-hover"), xLabel: "x" });
  const tail = [{ label: `${t("actlab_line")} |f′|`, x: d.tail.x, y: d.tail.actlab, color }];
  if (d.tail.textbook) tail.push({ label: `${t("textbook_line")} ${d.tail.formula}`, x: d.tail.x, y: d.tail.textbook, color: "#000", dash: "5 4" });
  lines($("tail-chart"), tail, { logY: true, xLabel: "x", height: 200 });
  $("tail-help").textContent = d.tail.textbook ? t("tail_help", { formula: d.tail.formula }) : t("tail_none");
}

// ------------------------------------------------------------------ playground controls
const FIELDS = ["noise", "train_share", "points", "seed", "width", "init_std", "lr", "batch_size", "l2"];

function showConfig() {
  for (const f of FIELDS) $(f).value = config[f];
  $("depth").value = config.layers.length;
  $("dataset").value = config.dataset; $("init").value = config.init; $("optimizer").value = config.optimizer;
  $("share").value = shareURL();
  buildLayers();
}

function playable() { return meta.activations.filter((a) => a.playground).map((a) => a.name); }

function buildLayers() {
  const box = $("layers");
  box.replaceChildren();
  config.layers.forEach((spec, i) => {
    const label = document.createElement("label");
    const span = document.createElement("span");
    span.textContent = t("layer", { i: i + 1 });
    const sel = document.createElement("select");
    sel.dataset.testid = `layer-activation-${i}`;
    fillSelect(sel, playable(), (v) => v, spec.activation);
    sel.style.borderLeft = `4px solid ${meta.palette.activations[spec.activation].color}`;
    sel.onchange = () => { config.layers[i] = { activation: sel.value, params: {} }; sendConfig(); };
    const params = document.createElement("div");
    params.className = "params";
    paramControls(params, spec.activation, spec.params || {}, (k, v) => {
      config.layers[i] = { activation: spec.activation, params: { ...(spec.params || {}), [k]: v } }; sendConfig();
    }, `layer-param-${i}`);
    label.append(span, sel, params);
    box.append(label);
  });
}

function readControls() {
  const num = (id) => Number($(id).value);
  const c = structuredClone(config);
  for (const f of ["noise", "train_share", "init_std", "lr", "l2"]) c[f] = num(f);
  for (const f of ["points", "seed", "width", "batch_size"]) c[f] = Math.round(num(f));
  c.dataset = $("dataset").value; c.init = $("init").value; c.optimizer = $("optimizer").value;
  const depth = Math.round(num("depth"));
  if (depth >= 1 && depth <= meta.limits.layers) {
    while (c.layers.length < depth) c.layers.push(structuredClone(c.layers[c.layers.length - 1]));
    c.layers.length = depth;
  } else {
    c.layers = Array.from({ length: Number.isFinite(depth) ? Math.max(0, Math.min(depth, 99)) : 0 },
                          (_, i) => c.layers[i] || c.layers[0]);
  }
  return c;
}

function send(msg) {
  if (!ws || ws.readyState !== WebSocket.OPEN) { showError(t("disconnected")); return; }
  ws.send(JSON.stringify(msg));
}

function sendConfig(c = config) {
  pending = c;
  showError("");
  send({ type: "config", config: c });
}
let pending = null;

// ------------------------------------------------------------------ frames
// six significant digits, printed so that Python's float() reads them back
const fmt = (v) => (v === null || v === undefined ? "nan" : String(Number(v.toPrecision(6))));

function drawFrame(f) {
  last = f;
  $("steps").textContent = f.steps;
  $("train-loss").textContent = fmt(f.train_loss);
  $("test-loss").textContent = fmt(f.test_loss);
  $("head").textContent = t("head", { output: f.output, loss: f.loss_name });
  if (f.points) drawFrame.points = f.points;
  const pts = drawFrame.points;
  const task = f.task, nclass = pts && pts.classes.length;
  const hue = (k) => meta.palette.series[k % meta.palette.series.length].color;
  const opts = task === "multiclass" ? { color: (v) => hue(v) + "55", pointColor: (y) => hue(y) } :
    task === "regression" ? { lo: Math.min(...pts.y), hi: Math.max(...pts.y), pointColor: () => "#000" } : {};
  heatmap($("boundary"), f.boundary, pts, opts);
  const h = f.history;
  lines($("loss-chart"), [
    { label: t("train_loss"), x: h.map((r) => r[0]), y: h.map((r) => r[1]), color: "#0b5394" },
    { label: t("test_loss"), x: h.map((r) => r[0]), y: h.map((r) => r[2]), color: "#d9480f", dash: "6 3" },
  ], { logY: true, hoverEl: $("loss-hover"), xLabel: t("steps"), height: 200 });
  const L = f.activations.length;
  const colors = f.activations.map((a) => meta.palette.activations[a].color).concat(["#6e7781"]);
  logBars($("grad-chart"), f.grad_norms, { envelope: f.envelope, colors,
    labels: f.grad_norms.map((_, i) => (i < L ? String(i + 1) : t("output_layer"))) });
  layerTable(f);
  const box = $("hists");
  box.replaceChildren();
  f.histograms.forEach((hist, i) => {
    const cell = document.createElement("div");
    cell.textContent = `${t("layer", { i: i + 1 })}: ${f.activations[i]}`;
    const c = document.createElement("canvas");
    c.className = "chart";
    cell.append(c);
    box.append(cell);
    histogram(c, hist, colors[i]);
  });
}

function layerTable(f) {
  const tab = $("layer-table");
  const head = [t("col_layer"), t("col_act"), t("col_grad"), t("col_dead"), t("col_sat")];
  const rows = f.grad_norms.map((g, i) => {
    const hidden = i < f.activations.length;
    return [hidden ? String(i + 1) : t("output_layer"), hidden ? f.activations[i] : f.output,
            [`lab-grad-norm-${i}`, fmt(g)], [`lab-dead-${i}`, hidden ? fmt(f.dead[i]) : "–"],
            [`lab-saturated-${i}`, hidden ? fmt(f.saturated[i]) : "–"]];
  });
  const tr = (cells, tag) => {
    const row = document.createElement("tr");
    for (const c of cells) {
      const cell = document.createElement(tag);
      if (Array.isArray(c)) { if (c[1] !== "–") cell.dataset.testid = c[0]; cell.textContent = c[1]; } else cell.textContent = c;
      row.append(cell);
    }
    return row;
  };
  tab.replaceChildren(tr(head, "th"), ...rows.map((r) => tr(r, "td")));
}

function drawSweep(s) {
  sweepData = s;
  const series = Object.entries(s.series).map(([name, ys]) => ({ label: name, x: s.depths, y: ys,
    color: meta.palette.activations[name].color, dash: meta.palette.activations[name].dasharray }));
  series.push({ label: "0.25^(L−1)", x: s.depths, y: s.envelope, color: "#000", dash: "2 3", width: 1 });
  lines($("sweep-chart"), series, { logY: true, xLabel: t("depth_axis"), height: 220 });
}

// ------------------------------------------------------------------ socket
function connect(initial) {
  ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`);
  ws.onopen = () => { if (initial) sendConfig(initial); };
  ws.onclose = () => { running = false; $("train").textContent = t("start"); showError(t("disconnected")); };
  ws.onmessage = (ev) => {
    const m = JSON.parse(ev.data);
    if (m.type === "frame") {
      if (pending) { config = pending; pending = null; showConfig(); }
      drawFrame(m);
    } else if (m.type === "config") { config = m.config; pending = null; applyLang(lang()); showConfig(); }
    else if (m.type === "state") { running = m.running; $("train").textContent = running ? t("pause") : t("start"); }
    else if (m.type === "sweep") drawSweep(m);
    else if (m.type === "export") showExport(m);
    else if (m.type === "error") { pending = null; showConfig(); showError(m.message); }
  };
}

function showExport(m) {
  $("export-torch").value = m.torch;
  $("export-actlab").value = m.actlab;
  const bytes = Uint8Array.from(atob(m.checkpoint), (c) => c.charCodeAt(0));
  $("download").href = URL.createObjectURL(new Blob([bytes], { type: "application/octet-stream" }));
  $("download").download = m.filename;
}

// ------------------------------------------------------------------ start
async function main() {
  meta = await api("/api/meta");
  config = structuredClone(meta.defaults);
  const shared = configFromURL();
  if (shared) config = shared;
  const stored = localStorage.getItem(LANG_KEY);
  setLang(stored || (navigator.language || "en").toLowerCase().startsWith("ko") ? (stored || "ko") : "en");
  fillSelect($("inspect-activation"), meta.activations.map((a) => a.name), (v) => v, inspect.activation);
  $("inspect-activation").onchange = () => {
    inspect.activation = $("inspect-activation").value; inspect.params = {};
    paramControls($("inspect-params"), inspect.activation, {}, (k, v) => { inspect.params[k] = v; runInspect(); }, "inspect-param");
    runInspect();
  };
  paramControls($("inspect-params"), inspect.activation, {}, (k, v) => { inspect.params[k] = v; runInspect(); }, "inspect-param");
  $("inspect-x").onchange = runValue;
  $("lang").onclick = () => applyLang(lang() === "en" ? "ko" : "en");
  for (const id of [...FIELDS, "depth", "dataset", "init", "optimizer"]) $(id).onchange = () => sendConfig(readControls());
  $("train").onclick = () => send({ type: running ? "pause" : "start" });
  $("step").onclick = () => send({ type: "step", count: 1 });
  $("reset").onclick = () => send({ type: "reset" });
  $("sweep").onclick = () => send({ type: "sweep" });
  $("export").onclick = () => send({ type: "export" });
  $("upload").onchange = async () => {
    const file = $("upload").files[0];
    if (!file) return;
    if (file.size > meta.limits.upload_bytes) { showError(t("too_big")); return; }
    showError("");
    send({ type: "upload", csv: await file.text() });
  };
  applyLang(lang());
  showConfig();
  await runInspect();
  connect(shared ? config : null);
  window.addEventListener("resize", () => { drawInspector(); if (last) drawFrame(last); if (sweepData) drawSweep(sweepData); });
}

main().catch((e) => showError(e.message));
