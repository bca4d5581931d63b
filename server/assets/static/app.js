// The pages' behaviour: curves that follow a training run, sliders over
// saved grids, and the playground. Plain JavaScript, no library.
"use strict";

async function getJSON(url, options) {
  const res = await fetch(url, options);
  const body = await res.json();
  if (!res.ok) throw new Error(body.error || res.statusText);
  return body;
}

function q(params) { return new URLSearchParams(params).toString(); }

// followMetrics keeps records[run] up to date from /api/metrics, polling
// for new lines every few seconds while follow() is true, and calls
// draw after each change.
function followMetrics(runs, draw, follow) {
  const records = new Map(runs.map(r => [r, []]));
  const next = new Map(runs.map(r => [r, 0]));
  async function poll() {
    let changed = false;
    for (const run of runs) {
      try {
        const m = await getJSON("/api/metrics?" + q({run, from: next.get(run)}));
        if (m.records.length > 0) { records.get(run).push(...m.records); changed = true; }
        next.set(run, m.next);
      } catch (e) { /* a run folder being written; the next poll retries */ }
    }
    if (changed || !poll.drawn) { draw(records); poll.drawn = true; }
    if (follow()) setTimeout(poll, 3000);
  }
  poll();
}

function runPage() {
  const el = document.getElementById("run");
  const run = el.dataset.run;
  const charts = document.getElementById("charts");
  followMetrics([run], recs => metricCharts(charts, recs), () => el.dataset.training === "true");
  const sliders = new Map();
  for (const section of document.querySelectorAll("section.pictures")) {
    const name = section.dataset.name;
    const img = document.getElementById("picture-" + name);
    const slider = document.getElementById("slider-" + name);
    const label = document.getElementById("label-" + name);
    const state = {files: img.dataset.files.split("|"), labels: img.dataset.labels.split("|")};
    const show = () => {
      const i = +slider.value;
      img.src = "/files/" + state.files[i].split("/").map(encodeURIComponent).join("/");
      label.textContent = state.labels[i];
    };
    slider.addEventListener("input", show);
    sliders.set(name, {slider, state, show});
  }
  // While the run trains, new grids join the sliders; a slider at its end
  // moves on to the newest.
  async function morePictures() {
    try {
      const run = await getJSON("/api/run?" + q({run: el.dataset.run}));
      for (const [name, pics] of Object.entries(run.pictures)) {
        const s = sliders.get(name);
        if (!s || pics.length === s.state.files.length) continue;
        const atEnd = +s.slider.value === s.state.files.length - 1;
        s.state.files = pics.map(p => p.file);
        s.state.labels = pics.map(p => p.label);
        s.slider.max = pics.length - 1;
        if (atEnd) { s.slider.value = pics.length - 1; s.show(); }
      }
      el.dataset.training = run.training ? "true" : "false";
    } catch (e) { /* the next poll retries */ }
    if (el.dataset.training === "true") setTimeout(morePictures, 5000);
  }
  if (el.dataset.training === "true") setTimeout(morePictures, 5000);
}

function comparePage() {
  const el = document.getElementById("compare");
  const runs = el.dataset.runs.split("|").filter(r => r !== "");
  const charts = document.getElementById("charts");
  followMetrics(runs, recs => metricCharts(charts, recs), () => true);
}

function playPage() {
  const el = document.getElementById("play");
  const model = el.dataset.model, classes = +el.dataset.classes;
  const seed = document.getElementById("seed"), n = document.getElementById("n");
  const cls = document.getElementById("class");
  const grid = document.getElementById("grid");
  const classOf = () => cls ? cls.value : "-1";
  // A diffusion model's DDIM steps, kept within the input's bounds.
  const stepsBox = document.getElementById("steps"), denoiseImg = document.getElementById("denoise");
  const steps = () => {
    const v = Math.round(+stepsBox.value) || 1;
    return Math.min(+stepsBox.max, Math.max(1, v));
  };
  const draw = () => {
    const params = {model, n: n.value, seed: seed.value || "0", class: classOf()};
    if (stepsBox) params.steps = steps();
    grid.src = "/api/generate?" + q(params);
    if (denoiseImg) denoiseImg.src = "/api/denoise?" + q({model, seed: params.seed, class: params.class, steps: params.steps});
  };
  seed.addEventListener("change", draw);
  n.addEventListener("change", draw);
  if (stepsBox) stepsBox.addEventListener("change", draw);
  if (cls) cls.addEventListener("change", () => { draw(); walk(); });
  document.getElementById("reroll").addEventListener("click", () => {
    seed.value = Math.floor(Math.random() * 1e9);
    draw();
  });
  draw();

  const walkImg = document.getElementById("walk");
  const walk = () => {
    if (!walkImg) return;
    const a = document.getElementById("walk-a").value || "0", b = document.getElementById("walk-b").value || "0";
    const steps = Math.min(64, Math.max(2, +document.getElementById("walk-steps").value || 10));
    walkImg.src = "/api/walk?" + q({model, seed: a, to: b, steps, class: classOf()});
  };
  if (walkImg) {
    for (const id of ["walk-a", "walk-b", "walk-steps"]) document.getElementById(id).addEventListener("change", walk);
    document.getElementById("walk-new").addEventListener("click", () => {
      document.getElementById("walk-a").value = Math.floor(Math.random() * 1e9);
      document.getElementById("walk-b").value = Math.floor(Math.random() * 1e9);
      walk();
    });
    walk();
  }
  if (el.dataset.encodes === "true") drawPad(el, model, classes, classOf);
}

// drawPad lets a person draw on the canvas; on each stroke's end the
// drawing, shrunk to the model's size, is encoded and its latent mean
// decoded.
function drawPad(el, model, classes, classOf) {
  const canvas = document.getElementById("draw"), recon = document.getElementById("recon");
  const status = document.getElementById("draw-status"), code = document.getElementById("code");
  const ctx = canvas.getContext("2d");
  const C = +el.dataset.channels, H = +el.dataset.height, W = +el.dataset.width;
  const clear = () => { ctx.fillStyle = "#000"; ctx.fillRect(0, 0, canvas.width, canvas.height); };
  clear();
  let drawing = false, last = null;
  const at = e => { const r = canvas.getBoundingClientRect(); return [(e.clientX - r.left) * canvas.width / r.width, (e.clientY - r.top) * canvas.height / r.height]; };
  canvas.addEventListener("pointerdown", e => { drawing = true; last = at(e); canvas.setPointerCapture(e.pointerId); stroke(last); });
  canvas.addEventListener("pointermove", e => { if (drawing) stroke(at(e)); });
  canvas.addEventListener("pointerup", () => { drawing = false; last = null; reconstruct(); });
  function stroke(p) {
    ctx.strokeStyle = "#fff"; ctx.fillStyle = "#fff"; ctx.lineWidth = canvas.width / 12; ctx.lineCap = "round";
    ctx.beginPath(); ctx.moveTo(last[0], last[1]); ctx.lineTo(p[0], p[1]); ctx.stroke();
    last = p;
  }
  document.getElementById("clear").addEventListener("click", () => {
    clear(); recon.getContext("2d").clearRect(0, 0, recon.width, recon.height); code.replaceChildren(); status.textContent = "";
  });
  async function reconstruct() {
    const small = document.createElement("canvas");
    small.width = W; small.height = H;
    const sctx = small.getContext("2d");
    sctx.imageSmoothingEnabled = true; sctx.imageSmoothingQuality = "high";
    sctx.drawImage(canvas, 0, 0, W, H);
    const data = sctx.getImageData(0, 0, W, H).data;
    const img = [];
    for (let c = 0; c < C; c++) for (let i = 0; i < W * H; i++) img.push(data[4 * i + Math.min(c, 2)] / 255);
    const body = {model, images: [img]};
    if (classes > 0) body.labels = [Math.max(0, +classOf())];
    try {
      status.textContent = "encoding…";
      const enc = await getJSON("/api/encode", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
      const dec = await getJSON("/api/decode", {method: "POST", headers: {"Content-Type": "application/json"},
        body: JSON.stringify({model, z: enc.mu, labels: body.labels})});
      paint(recon, dec.images[0], C, H, W);
      showCode(code, enc.mu[0]);
      status.textContent = "reconstructed";
    } catch (e) { status.textContent = "error: " + e.message; }
  }
}

// paint draws one CHW image of pixels in [0, 1] scaled to fill canvas.
function paint(canvas, pixels, C, H, W) {
  const small = document.createElement("canvas");
  small.width = W; small.height = H;
  const sctx = small.getContext("2d"), img = sctx.createImageData(W, H);
  for (let i = 0; i < W * H; i++) {
    for (let c = 0; c < 3; c++) img.data[4 * i + c] = Math.round(255 * pixels[(C === 3 ? c : 0) * W * H + i]);
    img.data[4 * i + 3] = 255;
  }
  sctx.putImageData(img, 0, 0);
  const ctx = canvas.getContext("2d");
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
}

// showCode draws the latent mean as bars around zero, one per dimension.
function showCode(box, mu) {
  const W = 200, row = 12, svg = svgEl("svg", {width: W + 90, height: mu.length * row + 4, id: "code-bars"});
  const scale = W / 2 / Math.max(3, ...mu.map(Math.abs));
  mu.forEach((v, i) => {
    const x = W / 2 + Math.min(0, v) * scale;
    svg.appendChild(svgEl("rect", {x, y: i * row + 2, width: Math.max(1, Math.abs(v) * scale), height: row - 3, fill: v < 0 ? "#d62728" : "#1f77b4"}));
    svg.appendChild(svgEl("text", {x: W + 4, y: i * row + row - 1}, `z${i} ${v.toFixed(2)}`));
  });
  svg.appendChild(svgEl("line", {x1: W / 2, x2: W / 2, y1: 0, y2: mu.length * row + 4, stroke: "#888"}));
  box.replaceChildren(svg);
}

document.addEventListener("DOMContentLoaded", () => {
  const page = document.body.dataset.page;
  if (page === "run") runPage();
  if (page === "compare") comparePage();
  if (page === "play") playPage();
});
