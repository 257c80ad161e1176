// layerwise playground: the views, drawn on canvas from the server's frames.
// No state of the run lives here: every function draws what it is given.
"use strict";

const Views = (() => {
  const NEG = [245, 147, 34], POS = [8, 119, 189], WHITE = [255, 255, 255];
  const CLASS_COLORS = [NEG, POS, [44, 160, 44], [148, 103, 189], [214, 39, 40]];
  const MAX_LINES = 600;  // per pair of layers
  const LAYER_COLORS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02",
                        "#a6761d", "#666666", "#1f78b4"];

  function decode(b64, Type) {
    const bin = atob(b64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return Type === Uint8Array ? bytes : new Type(bytes.buffer);
  }

  function mix(a, b, t) {
    return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
  }

  // Diverging map: 0 -> orange, 0.5 -> white, 1 -> blue (TensorFlow Playground's colours).
  function diverging(t) {
    return t < 0.5 ? mix(NEG, WHITE, t * 2) : mix(WHITE, POS, (t - 0.5) * 2);
  }

  const LUT = (() => {  // 256 entries of diverging(), for byte-coded maps
    const lut = new Uint8ClampedArray(256 * 3);
    for (let i = 0; i < 256; i++) {
      const c = diverging(i / 255);
      lut[3 * i] = c[0]; lut[3 * i + 1] = c[1]; lut[3 * i + 2] = c[2];
    }
    return lut;
  })();

  // The boundary's heatmap is paler than the points drawn on it, so both read.
  const PALE_LUT = (() => {
    const lut = new Uint8ClampedArray(256 * 3);
    for (let i = 0; i < 256; i++) {
      const c = mix(diverging(i / 255), WHITE, 0.35);
      lut[3 * i] = c[0]; lut[3 * i + 1] = c[1]; lut[3 * i + 2] = c[2];
    }
    return lut;
  })();

  function rgb(c, alpha) {
    return alpha === undefined ? `rgb(${c[0] | 0},${c[1] | 0},${c[2] | 0})`
      : `rgba(${c[0] | 0},${c[1] | 0},${c[2] | 0},${alpha})`;
  }

  // Device-pixel-ratio aware sizing: CSS size (w, h) -> backing store; returns the 2-D context.
  function sized(canvas, w, h) {
    const dpr = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr); canvas.height = Math.round(h * dpr);
      canvas.style.width = w + "px"; canvas.style.height = h + "px";
    }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    return ctx;
  }

  // The output over the grid as an image of res x res pixels (cached per frame: the
  // boundary view and the network's output unit both draw it).
  let cachedImage = {frame: null, canvas: document.createElement("canvas")};
  function boundaryImage(frame, nClasses) {
    if (cachedImage.frame === frame) return cachedImage.canvas;
    const res = frame.boundary.res, bytes = decode(frame.boundary.data, Uint8Array);
    const canvas = cachedImage.canvas;
    if (canvas.width !== res) { canvas.width = res; canvas.height = res; }
    const sctx = canvas.getContext("2d"), img = sctx.createImageData(res, res);
    const n = res * res, px = img.data;
    for (let i = 0; i < n; i++) {
      if (nClasses === 2) {
        const k = bytes[i] * 3;
        px[4 * i] = PALE_LUT[k]; px[4 * i + 1] = PALE_LUT[k + 1]; px[4 * i + 2] = PALE_LUT[k + 2];
      } else {
        const conf = bytes[n + i] / 255, floor = 1 / nClasses;
        const t = Math.max(0, (conf - floor) / (1 - floor));
        const c = mix(WHITE, CLASS_COLORS[bytes[i] % CLASS_COLORS.length], 0.1 + 0.55 * t);
        px[4 * i] = c[0]; px[4 * i + 1] = c[1]; px[4 * i + 2] = c[2];
      }
      px[4 * i + 3] = 255;
    }
    sctx.putImageData(img, 0, 0);
    cachedImage = {frame, canvas};
    return canvas;
  }

  function drawPoints(ctx, part, domain, size, hollow) {
    const xs = part.xs, ys = part.ys;
    const [x0, x1, y0, y1] = domain;
    // One path per class: a few fills and strokes instead of one per point.
    const classes = new Set(ys);
    for (const cls of classes) {
      const c = CLASS_COLORS[cls % CLASS_COLORS.length];
      ctx.beginPath();
      for (let i = 0; i < ys.length; i++) {
        if (ys[i] !== cls) continue;
        const px = (xs[2 * i] - x0) / (x1 - x0) * size, py = (y1 - xs[2 * i + 1]) / (y1 - y0) * size;
        ctx.moveTo(px + 3, py);
        ctx.arc(px, py, 3, 0, 2 * Math.PI);
      }
      if (hollow) {
        ctx.fillStyle = "#fff"; ctx.fill();
        ctx.lineWidth = 1.5; ctx.strokeStyle = rgb(mix(c, [0, 0, 0], 0.15)); ctx.stroke();
      } else {
        ctx.fillStyle = rgb(c); ctx.fill();
        ctx.lineWidth = 0.8; ctx.strokeStyle = "rgba(255,255,255,0.9)"; ctx.stroke();
      }
    }
  }

  function boundarySize(canvas) {
    return Math.max(200, Math.min(canvas.parentElement.parentElement.clientWidth - 24, 360));
  }

  // The heatmap, redrawn every frame.
  function drawBoundary(canvas, frame, data) {
    const size = boundarySize(canvas);
    const ctx = sized(canvas, size, size);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(boundaryImage(frame, data.n_classes), 0, 0, size, size);
  }

  // The points, on a transparent canvas over the heatmap: drawn once per run.
  function drawDataPoints(canvas, data, domain, showTest) {
    const size = boundarySize(canvas);
    const ctx = sized(canvas, size, size);
    ctx.clearRect(0, 0, size, size);
    drawPoints(ctx, data.train, domain, size, false);
    if (showTest) drawPoints(ctx, data.test, domain, size, true);
  }

  // ------------------------------------------------------------------ network
  // Layout of the diagram: one column per layer, one square per unit.
  function networkLayout(dims, width) {
    const maxUnits = Math.max(...dims.slice(1, -1), 2);
    const node = Math.max(6, Math.min(40, Math.floor(420 / maxUnits) - 3));
    const gap = node >= 20 ? 8 : 2;
    const height = Math.max(160, maxUnits * (node + gap) + 16);
    const cols = dims.length;
    const margin = 30;
    const xs = dims.map((_, l) => margin + (width - 2 * margin - node) * l / (cols - 1));
    const nodes = dims.map((n, l) => {
      const shown = l === dims.length - 1 ? 1 : n;  // the output: one map of a[L]
      const total = shown * node + (shown - 1) * gap;
      const top = (height - total) / 2;
      return Array.from({length: shown}, (_, j) => ({x: xs[l], y: top + j * (node + gap), l, j}));
    });
    return {node, height, width, nodes};
  }

  // One canvas per hidden layer, res x (units * res) pixels, reused from frame to frame.
  const layerCanvases = [];
  function neuronImages(frame) {
    const res = frame.neurons.res;
    return frame.neurons.layers.map((b64, l) => {
      const bytes = decode(b64, Uint8Array), units = bytes.length / (res * res);
      if (!layerCanvases[l]) layerCanvases[l] = document.createElement("canvas");
      const c = layerCanvases[l];
      if (c.width !== res || c.height !== res * units) { c.width = res; c.height = res * units; }
      const cctx = c.getContext("2d"), img = cctx.createImageData(res, res * units), px = img.data;
      for (let i = 0; i < bytes.length; i++) {
        const k = bytes[i] * 3;
        px[4 * i] = LUT[k]; px[4 * i + 1] = LUT[k + 1]; px[4 * i + 2] = LUT[k + 2];
        px[4 * i + 3] = 255;
      }
      cctx.putImageData(img, 0, 0);
      return c;
    });
  }

  // Every hidden unit's map, nearest-neighbour sampled at its square's device pixels,
  // on one transparent canvas the size of the diagram.
  const overlayCanvas = document.createElement("canvas");
  function unitOverlay(frame, lay, width) {
    const dpr = window.devicePixelRatio || 1, res = frame.neurons.res;
    const W = Math.round(width * dpr), H = Math.round(lay.height * dpr);
    if (overlayCanvas.width !== W || overlayCanvas.height !== H) {
      overlayCanvas.width = W; overlayCanvas.height = H;
    }
    const octx = overlayCanvas.getContext("2d"), img = octx.createImageData(W, H), px = img.data;
    const side = Math.round(lay.node * dpr);
    frame.neurons.layers.forEach((b64, i) => {
      const bytes = decode(b64, Uint8Array);
      lay.nodes[i + 1].forEach((p, j) => {
        const x0 = Math.round(p.x * dpr), y0 = Math.round(p.y * dpr), base = j * res * res;
        for (let r = 0; r < side; r++) {
          const row = base + Math.floor(r * res / side) * res, y = y0 + r;
          if (y < 0 || y >= H) continue;
          for (let q = 0; q < side; q++) {
            const x = x0 + q;
            if (x < 0 || x >= W) continue;
            const k = bytes[row + Math.floor(q * res / side)] * 3, o = 4 * (y * W + x);
            px[o] = LUT[k]; px[o + 1] = LUT[k + 1]; px[o + 2] = LUT[k + 2]; px[o + 3] = 255;
          }
        }
      });
    });
    octx.putImageData(img, 0, 0);
    return overlayCanvas;
  }

  function inputImage(which, res) {
    const c = document.createElement("canvas");
    c.width = res; c.height = res;
    const cctx = c.getContext("2d"), img = cctx.createImageData(res, res);
    for (let r = 0; r < res; r++) for (let q = 0; q < res; q++) {
      const t = which === 0 ? q / (res - 1) : 1 - r / (res - 1);
      const k = Math.round(t * 255) * 3, i = r * res + q;
      img.data[4 * i] = LUT[k]; img.data[4 * i + 1] = LUT[k + 1]; img.data[4 * i + 2] = LUT[k + 2];
      img.data[4 * i + 3] = 255;
    }
    cctx.putImageData(img, 0, 0);
    return c;
  }
  const inputImages = [inputImage(0, 24), inputImage(1, 24)];

  // Draws the diagram; returns what hover needs (segments and units).
  function drawNetwork(canvas, frame, data, width) {
    const dims = frame.layer_dims, L = dims.length - 1;
    const lay = networkLayout(dims, width);
    const ctx = sized(canvas, width, lay.height);
    ctx.clearRect(0, 0, width, lay.height);
    const s = lay.node, half = s / 2;
    const weights = frame.weights.map((b) => decode(b, Float32Array));
    const biases = frame.biases.map((b) => decode(b, Float32Array));
    let maxAbs = 1e-12;
    for (const W of weights) for (let i = 0; i < W.length; i++) maxAbs = Math.max(maxAbs, Math.abs(W[i]));
    // Lines, batched by sign and width bucket (12 paths, 24 with the thin style of wide
    // layers). Between two wide layers only the MAX_LINES strongest weights are drawn (a
    // [2, 64, 64, 64, 5] net has ~8,700; the weak ones would be invisible anyway); hover
    // still reads every weight.
    const buckets = Array.from({length: 24}, () => []);
    for (let l = 1; l <= L; l++) {
      const W = weights[l - 1], nPrev = dims[l - 1], n = dims[l];
      const to = lay.nodes[l], from = lay.nodes[l - 1];
      let threshold = 0;
      if (W.length > MAX_LINES) {
        const mags = new Float32Array(W.length);
        for (let i = 0; i < W.length; i++) mags[i] = Math.abs(W[i]);
        mags.sort();
        threshold = mags[W.length - MAX_LINES];
      }
      const dense = W.length > 256 ? 12 : 0;
      for (let j = 0; j < n; j++) {
        const target = l === L ? to[0] : to[j];
        const x1 = target.x, y1 = target.y + half;
        for (let k = 0; k < nPrev; k++) {
          const w = W[j * nPrev + k], mag = Math.abs(w);
          if (mag < threshold) continue;
          const bucket = Math.min(5, Math.floor(mag / maxAbs * 6));
          const src = from[k];
          buckets[dense + (w >= 0 ? 6 : 0) + bucket].push(src.x + s, src.y + half, x1, y1);
        }
      }
    }
    buckets.forEach((coords, index) => {
      if (!coords.length) return;
      const dense = index >= 12, positive = index % 12 >= 6, bucket = index % 6;
      ctx.beginPath();
      for (let i = 0; i < coords.length; i += 4) {
        ctx.moveTo(coords[i], coords[i + 1]);
        ctx.lineTo(coords[i + 2], coords[i + 3]);
      }
      ctx.strokeStyle = rgb(positive ? POS : NEG, (dense ? 0.1 : 0.25) + 0.12 * bucket);
      ctx.lineWidth = (dense ? 0.4 : 0.6) + (dense ? 0.3 : 0.9) * bucket;
      ctx.stroke();
    });
    // Units. Large squares: each map scaled smoothly with drawImage. Small ones (wide
    // layers): every hidden unit sampled into one overlay image, drawn once -- a few
    // hundred scaled drawImage calls would cost more than the rest of the frame.
    const res = frame.neurons.res, small = s <= 12;
    const images = small ? null : neuronImages(frame);
    const overlay = small ? unitOverlay(frame, lay, width) : null;
    ctx.imageSmoothingEnabled = true;
    const units = [];
    lay.nodes.forEach((column, l) => column.forEach((p, j) => {
      if (l === 0) ctx.drawImage(inputImages[j], p.x, p.y, s, s);
      else if (l === L) ctx.drawImage(boundaryImage(frame, data.n_classes), p.x, p.y, s, s);
      else if (!small) ctx.drawImage(images[l - 1], 0, j * res, res, res, p.x, p.y, s, s);
      units.push({x: p.x, y: p.y, s, l, j, b: l > 0 && l < L ? biases[l - 1][j] : null});
    }));
    if (overlay) {
      ctx.setTransform(1, 0, 0, 1, 0, 0);  // the overlay is in device pixels
      ctx.drawImage(overlay, 0, 0);
      const dpr = window.devicePixelRatio || 1;
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    }
    ctx.beginPath();  // every unit's frame in one stroke
    for (const u of units) ctx.rect(u.x + 0.5, u.y + 0.5, s - 1, s - 1);
    ctx.lineWidth = 1; ctx.strokeStyle = "#999"; ctx.stroke();
    ctx.fillStyle = "#555"; ctx.font = "11px system-ui, sans-serif"; ctx.textAlign = "center";
    lay.nodes.forEach((column, l) => {
      const label = l === 0 ? "x" : l === L ? "output" : `${dims[l]} ${frame.activations[l - 1]}`;
      ctx.fillText(label, column[0].x + half, lay.height - 2);
    });
    if (s >= 14) {
      ctx.textAlign = "right";
      ctx.fillText("x₁", lay.nodes[0][0].x - 4, lay.nodes[0][0].y + half + 4);
      ctx.fillText("x₂", lay.nodes[0][1].x - 4, lay.nodes[0][1].y + half + 4);
    }
    return {units, layout: lay, weights, dims};
  }

  // What is under the mouse: a unit, else the nearest weight line within 4 px.
  function hitTest(hit, x, y) {
    if (!hit) return null;
    for (const u of hit.units) {
      if (x >= u.x && x <= u.x + u.s && y >= u.y && y <= u.y + u.s) return {unit: u};
    }
    // Only the gap between the two columns around x can hold the line.
    const {layout, weights, dims} = hit, s = layout.node, half = s / 2, L = dims.length - 1;
    let best = null, bestD = 16;
    for (let l = 1; l <= L; l++) {
      const from = layout.nodes[l - 1], to = layout.nodes[l];
      if (x < from[0].x + s || x > to[0].x) continue;
      const W = weights[l - 1], nPrev = dims[l - 1];
      for (let j = 0; j < dims[l]; j++) {
        const target = l === L ? to[0] : to[j];
        for (let k = 0; k < nPrev; k++) {
          const x0 = from[k].x + s, y0 = from[k].y + half, x1 = target.x, y1 = target.y + half;
          const dx = x1 - x0, dy = y1 - y0, len2 = dx * dx + dy * dy || 1;
          const t = Math.max(0, Math.min(1, ((x - x0) * dx + (y - y0) * dy) / len2));
          const ex = x0 + t * dx - x, ey = y0 + t * dy - y, d = ex * ex + ey * ey;
          if (d < bestD) { bestD = d; best = {w: W[j * nPrev + k], l, j, k}; }
        }
      }
    }
    return best ? {segment: best} : null;
  }

  // ------------------------------------------------------------------- charts
  function axes(ctx, box, xmax, ymin, ymax, ylabel, log) {
    ctx.strokeStyle = "#ccc"; ctx.lineWidth = 1;
    ctx.strokeRect(box.x + 0.5, box.y + 0.5, box.w, box.h);
    ctx.fillStyle = "#666"; ctx.font = "10px system-ui, sans-serif";
    ctx.textAlign = "right";
    const fmt = (v) => log ? `1e${Math.round(v)}` : (Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(2));
    ctx.fillText(fmt(ymax), box.x - 3, box.y + 8);
    ctx.fillText(fmt(ymin), box.x - 3, box.y + box.h);
    ctx.textAlign = "left";
    ctx.fillText(ylabel, box.x + 4, box.y + 11);
    ctx.textAlign = "right";
    ctx.fillText(`epoch ${xmax.toPrecision(3)}`, box.x + box.w, box.y + box.h + 11);
  }

  function polyline(ctx, box, xs, ys, xmax, ymin, ymax, color, dash) {
    ctx.beginPath();
    let started = false;
    for (let i = 0; i < xs.length; i++) {
      if (ys[i] === null || !isFinite(ys[i])) { started = false; continue; }
      const px = box.x + xs[i] / (xmax || 1) * box.w;
      const v = Math.max(ymin, Math.min(ymax, ys[i]));
      const py = box.y + box.h - (v - ymin) / (ymax - ymin || 1) * box.h;
      if (started) ctx.lineTo(px, py); else { ctx.moveTo(px, py); started = true; }
    }
    ctx.strokeStyle = color; ctx.lineWidth = 1.5; ctx.setLineDash(dash ? [4, 3] : []);
    ctx.stroke(); ctx.setLineDash([]);
  }

  function drawCurves(canvas, frame) {
    const width = Math.min(canvas.parentElement.clientWidth - 24, 360), height = 190;
    const ctx = sized(canvas, width, height);
    ctx.clearRect(0, 0, width, height);
    const c = frame.curves, xmax = Math.max(1e-9, c.x.length ? c.x[c.x.length - 1] : 1);
    const left = {x: 34, y: 6, w: width / 2 - 44, h: height - 40};
    const right = {x: width / 2 + 26, y: 6, w: width / 2 - 32, h: height - 40};
    const losses = c.loss_train.concat(c.loss_test).filter((v) => v !== null && isFinite(v));
    const ymax = losses.length ? Math.max(...losses) * 1.05 : 1;
    axes(ctx, left, xmax, 0, ymax, "cost", false);
    polyline(ctx, left, c.x, c.loss_train, xmax, 0, ymax, "#222", false);
    polyline(ctx, left, c.x, c.loss_test, xmax, 0, ymax, "#888", true);
    axes(ctx, right, xmax, 0, 1, "accuracy", false);
    polyline(ctx, right, c.x, c.acc_train, xmax, 0, 1, "#222", false);
    polyline(ctx, right, c.x, c.acc_test, xmax, 0, 1, "#888", true);
    ctx.font = "11px system-ui, sans-serif"; ctx.textAlign = "left";
    ctx.fillStyle = "#222"; ctx.fillText("— train", left.x, height - 6);
    ctx.fillStyle = "#888"; ctx.fillText("- - test", left.x + 56, height - 6);
  }

  function drawGradients(canvas, frame) {
    const width = Math.min(canvas.parentElement.clientWidth - 24, 360), height = 170;
    const ctx = sized(canvas, width, height);
    ctx.clearRect(0, 0, width, height);
    const c = frame.curves, norms = c.grad_norms;
    const xmax = Math.max(1e-9, c.x.length ? c.x[c.x.length - 1] : 1);
    const logs = norms.map((s) => s.map((v) => (v !== null && v > 0 ? Math.log10(v) : null)));
    const all = [].concat(...logs).filter((v) => v !== null);
    let ymin = all.length ? Math.floor(Math.min(...all)) : -3, ymax = all.length ? Math.ceil(Math.max(...all)) : 1;
    if (ymax - ymin < 1) ymax = ymin + 1;
    const box = {x: 34, y: 6, w: width - 44, h: height - 40};
    axes(ctx, box, xmax, ymin, ymax, "log₁₀ ‖dW‖", true);
    logs.forEach((s, l) => polyline(ctx, box, c.x, s, xmax, ymin, ymax, LAYER_COLORS[l % LAYER_COLORS.length], false));
    ctx.font = "11px system-ui, sans-serif"; ctx.textAlign = "left";
    let x = box.x;
    logs.forEach((_, l) => {
      ctx.fillStyle = LAYER_COLORS[l % LAYER_COLORS.length];
      const label = `dW${l + 1}`;
      ctx.fillText(label, x, height - 6);
      x += ctx.measureText(label).width + 10;
    });
  }

  return {decode, drawBoundary, drawDataPoints, drawNetwork, hitTest, drawCurves, drawGradients, networkLayout};
})();
