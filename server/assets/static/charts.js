// Line charts drawn as SVG, small multiples of one metric each. Written
// for this page: a few functions, no library, nothing fetched.
"use strict";

const SVGNS = "http://www.w3.org/2000/svg";
const COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

function svgEl(name, attrs, text) {
  const e = document.createElementNS(SVGNS, name);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

// niceTicks returns about n round numbers spanning [lo, hi].
function niceTicks(lo, hi, n) {
  if (!(hi > lo)) { hi = lo + 1; }
  const raw = (hi - lo) / n, mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map(m => m * mag).find(s => s >= raw);
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
  return out;
}

function fmt(v) {
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(1);
  return +v.toPrecision(4) + "";
}

// lineChart returns an SVG chart titled title of series, each
// {name, points: [[x, y], ...]}, with a legend when there is more than one.
function lineChart(title, series, xLabel) {
  const W = 360, H = 220, L = 52, R = 10, T = 24, B = 34;
  const svg = svgEl("svg", {width: W, height: H, viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-label": title});
  svg.appendChild(svgEl("text", {x: L, y: 15, "font-weight": "bold"}, title));
  const pts = series.flatMap(s => s.points).filter(p => isFinite(p[0]) && isFinite(p[1]));
  if (pts.length === 0) { svg.appendChild(svgEl("text", {x: L, y: H / 2}, "no data yet")); return svg; }
  let [x0, x1] = [Math.min(...pts.map(p => p[0])), Math.max(...pts.map(p => p[0]))];
  let [y0, y1] = [Math.min(...pts.map(p => p[1])), Math.max(...pts.map(p => p[1]))];
  if (x1 === x0) { x1 = x0 + 1; }
  if (y1 === y0) { y0 -= 0.5; y1 += 0.5; }
  const pad = (y1 - y0) * 0.05; y0 -= pad; y1 += pad;
  const sx = x => L + (x - x0) / (x1 - x0) * (W - L - R);
  const sy = y => H - B - (y - y0) / (y1 - y0) * (H - T - B);
  for (const t of niceTicks(y0, y1, 5)) {
    if (t < y0 || t > y1) continue;
    svg.appendChild(svgEl("line", {x1: L, x2: W - R, y1: sy(t), y2: sy(t), class: "gridline"}));
    svg.appendChild(svgEl("text", {x: L - 4, y: sy(t) + 4, "text-anchor": "end"}, fmt(t)));
  }
  for (const t of niceTicks(x0, x1, 5)) {
    if (t < x0 || t > x1) continue;
    svg.appendChild(svgEl("line", {x1: sx(t), x2: sx(t), y1: H - B, y2: H - B + 4, class: "axis"}));
    svg.appendChild(svgEl("text", {x: sx(t), y: H - B + 15, "text-anchor": "middle"}, fmt(t)));
  }
  svg.appendChild(svgEl("text", {x: (L + W - R) / 2, y: H - 4, "text-anchor": "middle"}, xLabel || "epoch"));
  svg.appendChild(svgEl("polyline", {points: `${L},${T} ${L},${H - B} ${W - R},${H - B}`, fill: "none", class: "axis"}));
  series.forEach((s, i) => {
    const p = s.points.filter(p => isFinite(p[0]) && isFinite(p[1]));
    const colour = COLOURS[i % COLOURS.length];
    if (p.length === 1) {
      svg.appendChild(svgEl("circle", {cx: sx(p[0][0]), cy: sy(p[0][1]), r: 3, fill: colour, class: "series"}));
    } else if (p.length > 1) {
      svg.appendChild(svgEl("polyline", {points: p.map(q => `${sx(q[0]).toFixed(1)},${sy(q[1]).toFixed(1)}`).join(" "),
        fill: "none", stroke: colour, "stroke-width": 1.5, class: "series"}));
    }
    if (series.length > 1) {
      svg.appendChild(svgEl("rect", {x: W - R - 120, y: T + 4 + i * 14, width: 10, height: 3, fill: colour}));
      svg.appendChild(svgEl("text", {x: W - R - 106, y: T + 9 + i * 14}, s.name.length > 18 ? "…" + s.name.slice(-17) : s.name));
    }
  });
  return svg;
}

// metricCharts draws one chart per metric of runs, a map from a run's name
// to its metrics.jsonl records, into the element box: training metrics
// first, then evaluations.
function metricCharts(box, runs) {
  const skip = new Set(["step", "epoch", "time", "train_s", "eval", "images_per_s"]);
  const metrics = new Map();
  for (const [run, records] of runs) {
    for (const r of records) {
      if (r.resumed) continue;
      const group = r.eval ? "eval" : "train";
      for (const [k, v] of Object.entries(r)) {
        if (skip.has(k) || typeof v !== "number") continue;
        const key = group + "\u0000" + k;
        if (!metrics.has(key)) metrics.set(key, new Map());
        const byRun = metrics.get(key);
        if (!byRun.has(run)) byRun.set(run, []);
        byRun.get(run).push([r.epoch, v]);
      }
    }
  }
  box.replaceChildren();
  if (metrics.size === 0) { box.appendChild(Object.assign(document.createElement("p"), {className: "muted", textContent: "No metrics yet."})); return; }
  const keys = [...metrics.keys()].sort((a, b) => (a.startsWith("eval") - b.startsWith("eval")) || a.localeCompare(b));
  for (const key of keys) {
    const [group, name] = key.split("\u0000");
    const series = [...metrics.get(key)].map(([run, points]) => ({name: run, points}));
    box.appendChild(lineChart(group === "eval" ? name + " (evaluation)" : name, series));
  }
}
