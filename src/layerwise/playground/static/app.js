// layerwise playground: controls, the URL hash, the server protocol and the draw loop.
// Training happens in Python; this page sends commands and draws the frames it receives.
"use strict";

(() => {
  const TOKEN = document.querySelector('meta[name="playground-token"]').content;
  const $ = (id) => document.getElementById(id);
  // Settings applied by the trainer at the next step, without a reset (as the server's LIVE_KEYS).
  const LIVE = new Set(["optimizer", "learning_rate", "beta", "beta1", "beta2", "epsilon",
                        "lr_schedule", "decay_rate", "time_interval", "lambd", "keep_prob", "speed"]);
  const NUMERIC = ["classes", "points", "noise", "train_fraction", "init_scale", "learning_rate",
                   "beta", "beta1", "beta2", "epsilon", "decay_rate", "time_interval", "batch_size",
                   "lambd", "keep_prob", "seed", "speed"];
  const ACTIVATIONS = [["sigmoid", "sigmoid"], ["tanh", "tanh"], ["relu", "ReLU"],
                       ["leaky_relu", "leaky ReLU"], ["linear", "linear"]];

  let settings = null;        // the server's settings of the current run (full dict)
  let data = null;            // the current run's points (from the "data" event)
  let frame = null, drawnFrame = null;
  let hit = null;             // the network diagram's hover targets
  const stats = {framesReceived: 0, framesDrawn: 0, fps: 0, lastFrameTime: 0};
  window.playground = {stats, get settings() { return settings; }, get frame() { return frame; }};

  // ------------------------------------------------------------------ protocol
  async function request(path, options = {}) {
    const headers = Object.assign({"X-Playground-Token": TOKEN}, options.headers || {});
    const response = await fetch(path, Object.assign({}, options, {headers}));
    if (!response.ok) {
      let message = `${response.status} ${response.statusText}`;
      try { message = (await response.json()).error || message; } catch (e) { /* not JSON */ }
      throw new Error(message);
    }
    return response;
  }

  async function command(action, fields = {}) {
    try {
      const response = await request("api/command", {
        method: "POST", headers: {"Content-Type": "application/json"},
        body: JSON.stringify(Object.assign({action}, fields)),
      });
      const state = await response.json();
      showError(state.error || null);
      applyState(state);
      return state;
    } catch (err) {
      showError(err.message);
      throw err;
    }
  }

  function showError(message) {
    const box = $("error");
    box.hidden = !message;
    box.textContent = message || "";
  }

  function applyState(state) {
    if (state.settings) {
      settings = state.settings;
      fillControls();
      writeHash();
    }
    $("play").classList.toggle("playing", !!state.playing);
  }

  // ------------------------------------------------------------------ URL hash
  function writeHash() {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(settings)) {
      params.set(key, Array.isArray(value) ? value.join(",") : String(value));
    }
    // Commas stay readable in the hash (hidden=8,8 rather than hidden=8%2C8).
    history.replaceState(null, "", "#" + params.toString().replace(/%2C/g, ","));
  }

  function readHash() {
    const params = new URLSearchParams(location.hash.slice(1)), out = {};
    for (const [key, raw] of params) {
      if (key === "hidden") out.hidden = raw.split(",").map(Number);
      else if (key === "activations") out.activations = raw.split(",");
      else if (key === "standardize") out.standardize = raw === "true";
      else if (NUMERIC.includes(key)) out[key] = Number(raw);
      else out[key] = raw;
    }
    return out;
  }

  // ------------------------------------------------------------------ controls
  const FIELDS = ["dataset", "classes", "points", "noise", "train_fraction", "optimizer",
                  "learning_rate", "beta", "beta1", "beta2", "epsilon", "lr_schedule", "decay_rate",
                  "time_interval", "batch_size", "lambd", "keep_prob", "seed", "init", "init_scale",
                  "speed"];
  const idOf = (key) => ({learning_rate: "learning-rate"}[key] || key);

  function fillControls() {
    for (const key of FIELDS) {
      const el = $(idOf(key));
      if (el && document.activeElement !== el) el.value = String(settings[key]);
    }
    $("standardize").checked = settings.standardize;
    $("points-out").textContent = settings.points;
    $("noise-out").textContent = settings.noise.toFixed(2);
    $("train-out").textContent = Math.round(settings.train_fraction * 100) + "%";
    $("classes").disabled = !MULTICLASS.includes(settings.dataset);
    $("hidden-layers").value = settings.hidden.length;
    const acts = new Set(settings.activations);
    $("activation").value = acts.size === 1 ? settings.activations[0] : "";
    $("init_scale").closest("label").hidden = settings.init !== "random";
    document.querySelectorAll(".opt-momentum, .opt-rmsprop, .opt-adam").forEach((el) => {
      el.hidden = !el.classList.contains("opt-" + settings.optimizer);
    });
    document.querySelectorAll(".sched").forEach((el) => {
      el.hidden = settings.lr_schedule === "none" ||
        (el.querySelector("#time_interval") && settings.lr_schedule !== "step");
    });
    buildLayerControls();
  }

  function buildLayerControls() {
    const box = $("layer-controls");
    const width = networkWidth();
    const dims = [2, ...settings.hidden, 1];
    const lay = Views.networkLayout(dims, width);
    box.innerHTML = "";
    settings.hidden.forEach((units, i) => {
      const col = document.createElement("div");
      col.className = "layer";
      col.style.left = (lay.nodes[i + 1][0].x + lay.node / 2) + "px";
      const row = document.createElement("div");
      row.className = "units";
      const minus = document.createElement("button");
      minus.textContent = "−"; minus.dataset.testid = `units-minus-${i + 1}`;
      minus.title = "one unit fewer";
      const plus = document.createElement("button");
      plus.textContent = "+"; plus.dataset.testid = `units-plus-${i + 1}`;
      plus.title = "one unit more";
      const count = document.createElement("span");
      count.textContent = units; count.dataset.testid = `units-${i + 1}`;
      minus.onclick = () => setUnits(i, units - 1);
      plus.onclick = () => setUnits(i, units + 1);
      row.append(minus, count, plus);
      const select = document.createElement("select");
      select.dataset.testid = `activation-${i + 1}`;
      select.title = `activation of hidden layer ${i + 1}`;
      for (const [value, label] of ACTIVATIONS) select.add(new Option(label, value));
      select.value = settings.activations[i];
      select.onchange = () => {
        const acts = settings.activations.slice(); acts[i] = select.value;
        restart({activations: acts});
      };
      col.append(row, select);
      box.append(col);
    });
  }

  function setUnits(i, units) {
    units = Math.max(1, Math.min(64, units));
    const hidden = settings.hidden.slice(); hidden[i] = units;
    restart({hidden});
  }

  function setLayerCount(n) {
    n = Math.max(1, Math.min(8, n | 0));
    if (n === settings.hidden.length) { fillControls(); return; }  // e.g. a second change event
    const hidden = settings.hidden.slice(0, n), acts = settings.activations.slice(0, n);
    while (hidden.length < n) {
      hidden.push(hidden[hidden.length - 1] || 4);
      acts.push(acts[acts.length - 1] || "tanh");
    }
    restart({hidden, activations: acts});
  }

  // A change that needs a new run: start it, and keep playing if we were.
  async function restart(changes) {
    const wasPlaying = frame && frame.playing;
    const next = Object.assign({}, settings, changes);
    try {
      await command("start", {settings: next});
      if (wasPlaying) await command("play");
    } catch (err) { fillControls(); }
  }

  const MULTICLASS = ["gaussians", "spiral"];

  async function change(key, value) {
    if (settings[key] === value) return;  // nothing new (a change event after a blur, say)
    if (key === "dataset" && value !== "csv") {
      // Only some data sets come in more than two classes.
      await restart({dataset: value, classes: MULTICLASS.includes(value) ? settings.classes : 2});
      return;
    }
    if (LIVE.has(key)) {
      try { await command("update", {changes: {[key]: value}}); } catch (err) { fillControls(); }
    } else {
      await restart({[key]: value});
    }
  }

  function readControl(key) {
    const el = $(idOf(key));
    if (!NUMERIC.includes(key)) return el.value;
    const value = Number(el.value);
    return el.value.trim() === "" || !isFinite(value) ? null : value;
  }

  function wireControls() {
    for (const key of FIELDS) {
      const el = $(idOf(key));
      el.addEventListener("change", () => {
        const value = readControl(key);
        if (value === null) { showError(`${key}: a number is needed`); fillControls(); return; }
        change(key, value);
      });
      if (el.type === "range") {
        el.addEventListener("input", () => {
          const out = {points: "points-out", noise: "noise-out", train_fraction: "train-out"}[key];
          const v = Number(el.value);
          $(out).textContent = key === "train_fraction" ? Math.round(v * 100) + "%" :
            key === "noise" ? v.toFixed(2) : v;
        });
      }
    }
    $("standardize").onchange = () => restart({standardize: $("standardize").checked});
    $("show-test").onchange = () => { pointsKey = null; drawnFrame = null; };
    $("activation").onchange = () => {
      const value = $("activation").value;
      if (value) restart({activations: settings.hidden.map(() => value)});
    };
    $("hidden-layers").onchange = () => setLayerCount(Number($("hidden-layers").value));
    $("add-layer").onclick = () => setLayerCount(settings.hidden.length + 1);
    $("remove-layer").onclick = () => setLayerCount(settings.hidden.length - 1);
    $("reseed").onclick = () => restart({seed: Math.floor(Math.random() * 100000)});
    $("play").onclick = () => command("play").catch(() => {});
    $("pause").onclick = () => command("pause").catch(() => {});
    $("step").onclick = () => command("step", {n: 1}).catch(() => {});
    $("run-epoch").onclick = () => command("epoch").catch(() => {});
    $("reset").onclick = () => command("reset").catch(() => {});
    $("export-model").onclick = () => download("api/export/model", "playground-model.npz");
    $("export-code").onclick = () => download("api/export/code", "playground_run.py");
    $("upload-csv").onchange = (e) => upload(e.target, "api/upload/csv");
    $("import-model").onchange = (e) => upload(e.target, "api/upload/model?name=" +
      encodeURIComponent(e.target.files[0] ? e.target.files[0].name : "model.npz"));
    document.addEventListener("keydown", (e) => {
      if (e.target.tagName === "INPUT" || e.target.tagName === "SELECT") return;
      if (e.key === " ") { e.preventDefault(); command(frame && frame.playing ? "pause" : "play").catch(() => {}); }
    });
  }

  async function download(path, name) {
    try {
      const blob = await (await request(path)).blob();
      const url = URL.createObjectURL(blob);
      const a = document.createElement("a");
      a.href = url; a.download = name;
      document.body.append(a); a.click(); a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (err) { showError(err.message); }
  }

  async function upload(input, path) {
    const file = input.files[0];
    if (!file) return;
    try {
      const response = await request(path, {method: "POST", body: file,
                                             headers: {"Content-Type": "application/octet-stream"}});
      const state = await response.json();
      showError(null);
      applyState(state);
    } catch (err) { showError(err.message); }
    input.value = "";
  }

  // ------------------------------------------------------------------ frames
  function decodePart(part) {
    return {xs: Views.decode(part.x, Float32Array), ys: Views.decode(part.y, Uint8Array)};
  }

  function connect() {
    const events = new EventSource("api/events?token=" + encodeURIComponent(TOKEN));
    events.addEventListener("data", (e) => {
      const message = JSON.parse(e.data);
      data = {run: message.run, n_classes: message.n_classes, labels: message.labels,
              train: decodePart(message.train), test: decodePart(message.test)};
    });
    events.addEventListener("frame", (e) => {
      const started = performance.now();
      frame = JSON.parse(e.data);
      const spent = performance.now() - started;
      stats.parseMs = stats.parseMs ? 0.9 * stats.parseMs + 0.1 * spent : spent;
      stats.framesReceived++;
    });
    events.onerror = () => { /* EventSource reconnects by itself (retry: 1000) */ };
  }

  function fmt(v, digits = 4) { return v === null || v === undefined ? "–" : v.toFixed(digits); }

  function networkWidth() {
    const wrap = document.querySelector(".netwrap");
    return Math.max(300, wrap.clientWidth || 300);
  }

  let lastWidth = 0, pointsKey = null;
  function draw() {
    requestAnimationFrame(draw);
    if (!frame || !data || frame.run !== data.run) return;
    const width = networkWidth();
    if (frame === drawnFrame && width === lastWidth) return;
    if (width !== lastWidth && settings) { lastWidth = width; buildLayerControls(); }
    drawnFrame = frame;
    stats.framesDrawn++;
    const started = performance.now();
    $("epoch").textContent = frame.epoch;
    $("steps").textContent = frame.steps;
    $("loss-train").textContent = fmt(frame.loss_train);
    $("loss-test").textContent = fmt(frame.loss_test);
    $("acc-train").textContent = fmt(frame.acc_train, 3);
    $("acc-test").textContent = fmt(frame.acc_test, 3);
    $("play").classList.toggle("playing", frame.playing);
    if (frame.error) showError(frame.error);
    Views.drawBoundary($("boundary"), frame, data);
    const key = `${data.run}|${$("show-test").checked}|${$("boundary").width}`;
    if (key !== pointsKey) {
      pointsKey = key;
      Views.drawDataPoints($("plane-points"), data, frame.domain, $("show-test").checked);
    }
    hit = Views.drawNetwork($("network"), frame, data, width);
    Views.drawCurves($("curves"), frame);
    Views.drawGradients($("gradients"), frame);
    const spent = performance.now() - started;
    stats.drawMs = stats.drawMs ? 0.9 * stats.drawMs + 0.1 * spent : spent;
  }

  // Frames drawn per second, over the last second.
  let windowStart = performance.now(), windowDrawn = 0;
  setInterval(() => {
    const now = performance.now();
    stats.fps = (stats.framesDrawn - windowDrawn) * 1000 / (now - windowStart);
    windowStart = now; windowDrawn = stats.framesDrawn;
    $("fps").textContent = stats.fps.toFixed(0);
  }, 1000);

  function wireHover() {
    const canvas = $("network"), tip = $("tooltip");
    canvas.addEventListener("mousemove", (e) => {
      const rect = canvas.getBoundingClientRect();
      const x = e.clientX - rect.left, y = e.clientY - rect.top;
      const found = Views.hitTest(hit, x, y);
      if (!found) { tip.hidden = true; return; }
      if (found.unit) {
        const u = found.unit, L = frame.layer_dims.length - 1;
        tip.textContent = u.l === 0 ? `input x${u.j + 1}` : u.l === L ? "output a[L] over the plane"
          : `layer ${u.l}, unit ${u.j + 1}: b = ${u.b.toPrecision(3)}`;
      } else {
        const g = found.segment;
        tip.textContent = `W[${g.l}][${g.j + 1},${g.k + 1}] = ${g.w.toPrecision(3)}`;
      }
      tip.hidden = false;
      tip.style.left = (x + 12) + "px"; tip.style.top = (y + 8) + "px";
    });
    canvas.addEventListener("mouseleave", () => { tip.hidden = true; });
  }

  async function init() {
    wireControls();
    wireHover();
    const fromHash = readHash();
    try {
      await command("start", {settings: fromHash});
    } catch (err) {
      // A hash the server refuses (an old link, a typo): say so and start from the defaults.
      const message = err.message;
      await command("start", {settings: {}});
      showError(`the URL's settings were refused (${message}); started from the defaults`);
    }
    connect();
    requestAnimationFrame(draw);
  }

  init();
})();
