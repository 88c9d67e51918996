// Small canvas charts for the lab: lines (linear or log y, hover read-out), bars on a log
// axis with an envelope, a heat map with points, histograms.  They only draw numbers the
// server computed; nothing here evaluates an activation.

const FONT = "12px system-ui, -apple-system, 'Segoe UI', 'Noto Sans KR', 'Noto Sans CJK KR', sans-serif";

export function fit(canvas, height) {
  const ratio = window.devicePixelRatio || 1;
  const w = Math.max(10, canvas.clientWidth || canvas.parentElement.clientWidth || 300);
  canvas.width = Math.round(w * ratio);
  canvas.height = Math.round(height * ratio);
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.font = FONT;
  return { ctx, w, h: height };
}

function niceTicks(lo, hi, n = 5) {
  const span = hi - lo || 1, step0 = span / n, mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => span / s <= n) || mag * 10;
  const ticks = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(+v.toPrecision(12));
  return ticks;
}

function fmt(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(2) : String(+v.toPrecision(4));
}

// series: [{label, x: [...], y: [...], color, dash: "6 3"}]; opts: {logY, xLabel, yLabel, hoverEl}
export function lines(canvas, series, opts = {}) {
  const { ctx, w, h } = fit(canvas, opts.height || 220);
  const pad = { l: 56, r: 10, t: 10, b: 30 };
  const ys = series.flatMap((s) => s.y).filter((v) => Number.isFinite(v) && (!opts.logY || v > 0));
  const xs = series.flatMap((s) => s.x);
  if (!ys.length || !xs.length) { ctx.fillText("–", w / 2, h / 2); return; }
  const x0 = Math.min(...xs), x1 = Math.max(...xs);
  let y0 = Math.min(...ys), y1 = Math.max(...ys);
  if (opts.logY) { y0 = Math.log10(y0); y1 = Math.log10(y1); }
  if (y1 - y0 < 1e-12) { y0 -= 1; y1 += 1; }
  const m = (y1 - y0) * 0.05; y0 -= m; y1 += m;
  const X = (v) => pad.l + ((v - x0) / (x1 - x0 || 1)) * (w - pad.l - pad.r);
  const Y = (v) => { const u = opts.logY ? Math.log10(v) : v; return h - pad.b - ((u - y0) / (y1 - y0)) * (h - pad.t - pad.b); };
  ctx.strokeStyle = "#d0d7de"; ctx.fillStyle = "#57606a"; ctx.lineWidth = 1;
  const yt = opts.logY ? niceTicks(Math.ceil(y0), Math.floor(y1), 5).filter(Number.isInteger) : niceTicks(y0, y1);
  for (const v of yt) {
    const yy = opts.logY ? Y(10 ** v) : Y(v);
    ctx.beginPath(); ctx.moveTo(pad.l, yy); ctx.lineTo(w - pad.r, yy); ctx.stroke();
    ctx.textAlign = "right"; ctx.fillText(opts.logY ? `1e${v}` : fmt(v), pad.l - 4, yy + 4);
  }
  ctx.textAlign = "center";
  for (const v of niceTicks(x0, x1, Math.max(2, Math.floor(w / 90)))) ctx.fillText(fmt(v), X(v), h - pad.b + 16);
  if (opts.xLabel) { ctx.textAlign = "right"; ctx.fillText(opts.xLabel, w - pad.r, h - 2); }
  for (const s of series) {
    ctx.strokeStyle = s.color; ctx.lineWidth = s.width || 2;
    ctx.setLineDash(s.dash ? s.dash.split(" ").map(Number) : []);
    ctx.beginPath();
    let pen = false;
    s.x.forEach((xv, i) => {
      const v = s.y[i];
      if (!Number.isFinite(v) || (opts.logY && v <= 0)) { pen = false; return; }
      if (pen) ctx.lineTo(X(xv), Y(v)); else ctx.moveTo(X(xv), Y(v));
      pen = true;
    });
    ctx.stroke();
  }
  ctx.setLineDash([]);
  legend(ctx, series, pad.l + 6, pad.t + 4, w);
  if (opts.hoverEl) hover(canvas, series, X, opts, pad, w);
}

function legend(ctx, series, x, y, w) {
  ctx.textAlign = "left";
  let cx = x;
  for (const s of series) {
    if (!s.label) continue;
    const tw = ctx.measureText(s.label).width + 30;
    if (cx + tw > w - 10) { cx = x; y += 16; }
    ctx.strokeStyle = s.color; ctx.lineWidth = 2; ctx.setLineDash(s.dash ? s.dash.split(" ").map(Number) : []);
    ctx.beginPath(); ctx.moveTo(cx, y + 6); ctx.lineTo(cx + 20, y + 6); ctx.stroke(); ctx.setLineDash([]);
    ctx.fillStyle = "#1b1f24"; ctx.fillText(s.label, cx + 24, y + 10);
    cx += tw;
  }
}

function hover(canvas, series, X, opts, pad, w) {
  canvas.onmousemove = (e) => {
    const r = canvas.getBoundingClientRect(), px = e.clientX - r.left;
    const xs = series[0].x;
    let best = 0;
    xs.forEach((xv, i) => { if (Math.abs(X(xv) - px) < Math.abs(X(xs[best]) - px)) best = i; });
    opts.hoverEl.textContent = `x = ${fmt(xs[best])}: ` + series.filter((s) => s.label)
      .map((s) => `${s.label} = ${s.y[best] === null || s.y[best] === undefined ? "–" : String(s.y[best])}`).join(", ");
  };
}

// values per layer on a log axis; envelope: a dashed line over the bars; labels below.
export function logBars(canvas, values, opts = {}) {
  const { ctx, w, h } = fit(canvas, opts.height || 200);
  const pad = { l: 56, r: 10, t: 10, b: 34 };
  const all = values.concat(opts.envelope || []).filter((v) => Number.isFinite(v) && v > 0);
  if (!all.length) { ctx.fillText("–", w / 2, h / 2); return; }
  const y0 = Math.floor(Math.log10(Math.min(...all))) - 0.2, y1 = Math.ceil(Math.log10(Math.max(...all))) + 0.2;
  const Y = (v) => h - pad.b - ((Math.log10(v) - y0) / (y1 - y0)) * (h - pad.t - pad.b);
  const n = values.length, bw = (w - pad.l - pad.r) / n;
  ctx.strokeStyle = "#d0d7de"; ctx.fillStyle = "#57606a";
  for (let e = Math.ceil(y0); e <= y1; e += Math.max(1, Math.round((y1 - y0) / 5))) {
    ctx.beginPath(); ctx.moveTo(pad.l, Y(10 ** e)); ctx.lineTo(w - pad.r, Y(10 ** e)); ctx.stroke();
    ctx.textAlign = "right"; ctx.fillText(`1e${e}`, pad.l - 4, Y(10 ** e) + 4);
  }
  values.forEach((v, i) => {
    const x = pad.l + i * bw + bw * 0.15;
    ctx.fillStyle = (opts.colors && opts.colors[i]) || "#0b5394";
    if (Number.isFinite(v) && v > 0) ctx.fillRect(x, Y(v), bw * 0.7, h - pad.b - Y(v));
    ctx.fillStyle = "#1b1f24"; ctx.textAlign = "center";
    ctx.fillText((opts.labels && opts.labels[i]) || String(i), x + bw * 0.35, h - pad.b + 14);
  });
  if (opts.envelope && opts.envelope.length) {
    ctx.strokeStyle = "#000"; ctx.setLineDash([5, 4]); ctx.lineWidth = 1.5; ctx.beginPath();
    opts.envelope.forEach((v, i) => {
      const x = pad.l + i * bw + bw * 0.5;
      if (i === 0) ctx.moveTo(x, Y(v)); else ctx.lineTo(x, Y(v));
    });
    ctx.stroke(); ctx.setLineDash([]);
  }
}

// boundary: {n, x: [lo, hi], y: [lo, hi], values}; points: {x: [[a, b]], y, train}
export function heatmap(canvas, boundary, points, opts = {}) {
  const size = Math.min(canvas.parentElement.clientWidth || 320, opts.max || 420);
  canvas.style.width = `${size}px`;
  const { ctx } = fit(canvas, size);
  const n = boundary.n, cell = size / n;
  const lo = opts.lo ?? 0, hi = opts.hi ?? 1;
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) {
    const v = boundary.values[r * n + c];
    ctx.fillStyle = opts.color ? opts.color(v) : shade((v - lo) / (hi - lo || 1));
    ctx.fillRect(c * cell, r * cell, cell + 0.5, cell + 0.5);
  }
  if (!points) return;
  const [x0, x1] = boundary.x, [y0, y1] = boundary.y;
  const train = new Set(points.train);
  points.x.forEach(([a, b], i) => {
    const px = ((a - x0) / (x1 - x0)) * size, py = ((y1 - b) / (y1 - y0)) * size;
    ctx.beginPath(); ctx.arc(px, py, 3, 0, 2 * Math.PI);
    ctx.fillStyle = opts.pointColor ? opts.pointColor(points.y[i]) : (points.y[i] > 0.5 ? "#08306b" : "#7f2704");
    ctx.fill(); ctx.lineWidth = train.has(i) ? 1 : 1.8; ctx.strokeStyle = train.has(i) ? "#fff" : "#ffd43b"; ctx.stroke();
  });
}

export function shade(u) {  // 0 -> orange, 0.5 -> white, 1 -> blue
  const t = Math.max(0, Math.min(1, u));
  const a = [217, 72, 15], b = [255, 255, 255], c = [11, 83, 148];
  const [p, q, k] = t < 0.5 ? [a, b, t * 2] : [b, c, (t - 0.5) * 2];
  return `rgb(${p.map((v, i) => Math.round(v + (q[i] - v) * k)).join(",")})`;
}

export function histogram(canvas, hist, color, opts = {}) {
  const { ctx, w, h } = fit(canvas, opts.height || 70);
  const top = Math.max(1, ...hist.counts), bw = w / hist.counts.length;
  ctx.fillStyle = color;
  hist.counts.forEach((c, i) => ctx.fillRect(i * bw, h - 14 - (c / top) * (h - 18), bw - 1, (c / top) * (h - 18)));
  ctx.fillStyle = "#57606a"; ctx.textAlign = "left"; ctx.fillText(fmt(hist.lo), 0, h - 2);
  ctx.textAlign = "right"; ctx.fillText(fmt(hist.hi), w, h - 2);
}
