// soma board's page: polls /api/runs twice a second, draws one uPlot chart per scalar with the
// selected runs overlaid, and refetches a chart's series only when one of its runs' files
// changed. The server smooths and decimates (per-pixel min/max), so the page draws what it gets.
// window.somaBoard is the page's state, read by the browser test (tests/board/browser_test.mjs).
"use strict";

const kPollMs = 500;
const kColors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
                 "#7f7f7f", "#bcbd22"];
const kDefaultSelected = 8;

const state = window.somaBoard = {
  runs: [],          // /api/runs as last fetched
  selected: [],      // names of the runs drawn
  charts: {},        // "steps/loss" -> {series: {run: {n, last, points}}, plot}
  polls: 0,          // /api/runs answers received
  fetches: 0,        // /api/series answers received
  ready: false,      // true once the first charts are drawn
  error: "",
};
const options = () => ({
  smooth: Number(document.getElementById("smooth").value),
  x: document.getElementById("x-axis").value,
  logX: document.getElementById("log-x").checked,
  logY: document.getElementById("log-y").checked,
});

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v; else if (k === "text") e.textContent = v; else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

function format(v) {
  if (v === null || v === undefined) return "-";
  if (typeof v !== "number") return String(v);
  return Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : String(Number(v.toPrecision(5)));
}

function color(run) {
  const i = state.runs.findIndex(r => r.name === run);
  return kColors[(i < 0 ? 0 : i) % kColors.length];
}

// --- runs -------------------------------------------------------------------------------

// The list and the diff's pickers are rebuilt only when what they show changed: a poll that
// brings nothing new leaves the DOM (and an open picker) alone.
let drawnRuns = "", drawnNames = "";
function drawRuns() {
  const shown = JSON.stringify([state.runs.map(r => [r.name, r.status, r.config, r.final, r.errors]), state.selected]);
  if (shown !== drawnRuns) {
    drawnRuns = shown;
    drawRunList();
  }
  const names = JSON.stringify(state.runs.map(r => r.name));
  if (names === drawnNames) return;
  drawnNames = names;
  for (const id of ["diff-a", "diff-b"]) {
    const pick = document.getElementById(id);
    const was = pick.value;
    pick.replaceChildren(...state.runs.map(r => el("option", {value: r.name, text: r.name})));
    if (state.runs.some(r => r.name === was)) pick.value = was;
    else if (id === "diff-b" && state.runs.length > 1) pick.value = state.runs[1].name;
  }
}

function drawRunList() {
  const list = document.getElementById("runs");
  list.replaceChildren();
  for (const run of state.runs) {
    const box = el("input", {type: "checkbox"});
    box.checked = state.selected.includes(run.name);
    box.addEventListener("change", () => {
      state.selected = box.checked ? [...state.selected, run.name] : state.selected.filter(n => n !== run.name);
      refreshAll();
    });
    const swatch = el("span", {class: "swatch"});
    swatch.style.background = color(run.name);
    const item = el("li", {"data-run": run.name},
                    el("label", {}, box, swatch, el("span", {class: "name", text: run.name})),
                    el("span", {class: `status status-${run.status}`, text: run.status}));
    const config = run.config.map(([k, v]) => `${k} ${v}`).join(" · ");
    if (config) item.append(el("div", {class: "detail", text: config}));
    const finals = Object.entries(run.final).map(([k, v]) => `${k} ${format(v)}`).join(" · ");
    if (finals) item.append(el("div", {class: "detail final", text: finals}));
    for (const e of run.errors) item.append(el("div", {class: "error", text: e}));
    list.append(item);
  }
}

// The charts the selected runs have: per-step values first, then per-epoch; RL episode returns
// lead, being what an RL run is judged by.
function chartKeys() {
  const keys = [];
  for (const file of ["steps", "metrics"]) {
    const columns = new Set();
    for (const run of state.runs.filter(r => state.selected.includes(r.name)))
      for (const c of run[file].columns) if (c !== "step" && c !== "epoch" && c !== "") columns.add(c);
    const sorted = [...columns].sort((a, b) => (b.startsWith("episode_") - a.startsWith("episode_")) || 0);
    for (const c of sorted) keys.push(`${file}/${c}`);
  }
  return keys;
}

// A run's version for a chart's file: when it moves, the chart is fetched again.
function version(run, file) {
  const r = state.runs.find(x => x.name === run);
  return r ? (file === "steps" ? r.steps.version : String(r.metrics.version)) : "";
}

// --- charts -----------------------------------------------------------------------------

async function fetchChart(key) {
  const [file, column] = key.split("/");
  const o = options();
  const chart = state.charts[key];
  const runs = state.selected.filter(name => {
    const r = state.runs.find(x => x.name === name);
    return r && r[file].columns.includes(column);
  });
  const width = chart.div.clientWidth - 10;
  const query = new URLSearchParams({file, column, x: o.x, smooth: o.smooth, pixels: width, log_x: o.logX ? 1 : 0});
  for (const r of runs) query.append("run", r);
  const versions = runs.map(r => version(r, file)).join("|");
  const answer = await (await fetch(`/api/series?${query}`)).json();
  state.fetches++;
  if (!Array.isArray(answer.series)) throw new Error(answer.error || "bad series answer");
  chart.series = {};
  for (const s of answer.series) chart.series[s.run] = {n: s.n, last: s.last};
  chart.versions = versions;
  draw(key, answer, width, o);
}

// Aligned answers share one x array (two per pixel column); the others are merged by uPlot.join,
// which is cheap for them: at most two points per pixel in all.
function draw(key, answer, width, o) {
  const chart = state.charts[key];
  const y = s => (o.logY ? s.y.map(v => (v > 0 ? v : null)) : s.y);
  const data = answer.aligned ? [answer.x, ...answer.series.map(y)]
             : answer.series.length ? uPlot.join(answer.series.map(s => [s.x, y(s)])) : [[]];
  const decimated = answer.aligned;
  const series = answer.series;
  const last = series.map(s => `${s.run} ${format(s.last)}`).join(" · ");
  chart.title.replaceChildren(key.replace("/", ": "),
                              el("span", {class: "note", text: (decimated ? "min/max per pixel · " : "") + last}));
  const shape = JSON.stringify([series.map(s => s.run), width, o.x, o.logX, o.logY]);
  if (chart.plot && chart.shape === shape) {
    chart.plot.setData(data);
    return;
  }
  if (chart.plot) chart.plot.destroy();
  chart.shape = shape;
  chart.plot = new uPlot({
    width, height: 220,
    scales: {x: {time: false, distr: o.logX ? 3 : 1}, y: {distr: o.logY ? 3 : 1}},
    axes: [{label: o.x === "time" ? "seconds of training" : o.x}, {}],
    series: [{label: o.x}, ...series.map(s => ({label: s.run, stroke: color(s.run), width: 1.25, spanGaps: true,
                                               points: {show: data[0].length < 40}}))],
    legend: {live: true},
  }, data, chart.body);
}

function layoutCharts() {
  const keys = chartKeys();
  const box = document.getElementById("charts");
  for (const key of Object.keys(state.charts))
    if (!keys.includes(key)) {
      if (state.charts[key].plot) state.charts[key].plot.destroy();
      state.charts[key].div.remove();
      delete state.charts[key];
    }
  for (const key of keys) {
    if (state.charts[key]) continue;
    const title = el("h3", {text: key});
    const body = el("div");
    const div = el("div", {class: "chart", "data-chart": key}, title, body);
    div.style.width = "540px";
    box.append(div);
    state.charts[key] = {div, title, body, series: {}, versions: null, plot: null};
  }
  // Keep the page's order: steps first, as chartKeys() gives them.
  for (const key of keys) box.append(state.charts[key].div);
  return keys;
}

let busy = false;
async function refreshCharts(force) {
  const keys = layoutCharts();
  const due = keys.filter(key => {
    const [file, column] = key.split("/");
    const v = state.selected.filter(n => {
      const r = state.runs.find(x => x.name === n);
      return r && r[file].columns.includes(column);
    }).map(r => version(r, file)).join("|");
    return force || state.charts[key].versions !== v;
  });
  await Promise.all(due.map(fetchChart));
  drawImages();
}

function refreshAll() {
  for (const c of Object.values(state.charts)) c.versions = null;
  tick(true);
}

// --- pictures ---------------------------------------------------------------------------

const imageEpoch = {};  // tag -> chosen epoch, or undefined: follow the latest
function drawImages() {
  const box = document.getElementById("images");
  const tags = {};
  for (const run of state.runs.filter(r => state.selected.includes(r.name)))
    for (const [tag, epochs] of Object.entries(run.images)) {
      tags[tag] ??= new Set();
      for (const e of epochs) tags[tag].add(e);
    }
  const shown = JSON.stringify([Object.entries(tags).map(([t, s]) => [t, [...s]]), state.selected, imageEpoch]);
  if (box.dataset.shown === shown) return;
  box.dataset.shown = shown;
  box.replaceChildren();
  for (const [tag, set] of Object.entries(tags)) {
    const epochs = [...set].sort((a, b) => a - b);
    const epoch = imageEpoch[tag] ?? epochs[epochs.length - 1];
    const slider = el("input", {type: "range", min: 0, max: epochs.length - 1, value: Math.max(0, epochs.indexOf(epoch))});
    slider.addEventListener("input", () => {
      const i = Number(slider.value);
      imageEpoch[tag] = i === epochs.length - 1 ? undefined : epochs[i];
      drawImages();
    });
    const grid = el("div", {class: "grid", "data-tag": tag},
                    el("h3", {text: `${tag}: epoch ${epoch} `}, slider));
    for (const run of state.runs.filter(r => state.selected.includes(r.name) && (r.images[tag] || []).includes(epoch)))
      grid.append(el("figure", {}, el("img", {src: `/files/${encodeURIComponent(run.name)}/${encodeURIComponent(`${tag}_epoch_${epoch}.png`)}`,
                                               alt: `${run.name} ${tag} epoch ${epoch}`}),
                     el("figcaption", {text: run.name})));
    box.append(grid);
  }
}

// --- config diff ------------------------------------------------------------------------

function flatten(value, prefix, out) {
  if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
    if (Object.keys(value).length === 0) out[prefix] = JSON.stringify(value);
  } else {
    out[prefix] = JSON.stringify(value);
  }
  return out;
}

let diffs = 0;  // only the latest request draws: an older answer may arrive last
async function drawDiff() {
  const a = document.getElementById("diff-a").value, b = document.getElementById("diff-b").value;
  const table = document.getElementById("diff");
  if (!a || !b) return table.replaceChildren();
  const ticket = ++diffs;
  const get = async run => flatten(await (await fetch(`/api/config?${new URLSearchParams({run})}`)).json() ?? {}, "", {});
  const [ca, cb] = await Promise.all([get(a), get(b)]);
  if (ticket !== diffs) return;
  const keys = [...new Set([...Object.keys(ca), ...Object.keys(cb)])].sort().filter(k => ca[k] !== cb[k] && k !== "name");
  table.replaceChildren(el("tr", {}, el("td", {text: "key"}), el("td", {text: a}), el("td", {text: b})),
                        ...keys.map(k => el("tr", {}, el("td", {text: k}), el("td", {text: ca[k] ?? "-"}),
                                              el("td", {text: cb[k] ?? "-"}))));
  if (!keys.length) table.append(el("tr", {}, el("td", {text: a === b ? "the same run" : "no difference"})));
  state.diff = {runs: [a, b], keys};
}

// --- the loop ---------------------------------------------------------------------------

async function tick(force) {
  if (busy && !force) return;
  busy = true;
  try {
    const runs = await (await fetch("/api/runs")).json();
    const first = state.polls === 0;
    const known = new Set(state.runs.map(r => r.name));
    state.runs = runs;
    state.polls++;
    // New runs are drawn when few are; with many, the user picks.
    for (const r of runs)
      if (!known.has(r.name) && state.selected.length < kDefaultSelected) state.selected.push(r.name);
    state.selected = state.selected.filter(n => runs.some(r => r.name === n));
    drawRuns();
    if (first) drawDiff();
    await refreshCharts(force);
    state.ready = true;
    state.error = "";
    document.getElementById("status").textContent = `${runs.length} runs · updated ${new Date().toLocaleTimeString()}`;
  } catch (e) {
    state.error = String(e);
    document.getElementById("status").textContent = `cannot reach soma board: ${e}`;
  } finally {
    busy = false;
  }
}

document.getElementById("smooth").addEventListener("input", e => {
  document.getElementById("smooth-value").textContent = e.target.value;
  refreshAll();
});
for (const id of ["x-axis", "log-x", "log-y"]) document.getElementById(id).addEventListener("change", refreshAll);
for (const id of ["diff-a", "diff-b"]) document.getElementById(id).addEventListener("change", drawDiff);
document.getElementById("select-all").addEventListener("click", () => {
  state.selected = state.runs.map(r => r.name);
  refreshAll();
});
document.getElementById("select-none").addEventListener("click", () => {
  state.selected = [];
  refreshAll();
});
tick(true);
setInterval(() => tick(false), kPollMs);
