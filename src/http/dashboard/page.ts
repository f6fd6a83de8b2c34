/**
 * The dashboard page: one self-contained HTML document (styles and script inline, uPlot from the same
 * handler), polling the handler's JSON endpoints. Everything it shows is text-escaped.
 */
export function dashboardPage(base: string, pollMs: number): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>model-router</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${base}/assets/uPlot.min.css">
<style>
body{font:14px system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1b1f24}
header{background:#1b1f24;color:#fff;padding:10px 16px;display:flex;gap:24px;align-items:baseline}
header h1{font-size:16px;margin:0}main{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:16px;padding:16px}
section{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:12px}h2{font-size:14px;margin:0 0 8px}
.group{margin-bottom:14px}.group h3{font-size:14px;margin:4px 0}.cand{margin:4px 0 8px 8px}
.cand .name{font-weight:600}.tag{display:inline-block;font-size:11px;padding:0 6px;border-radius:8px;margin-left:6px;background:#eef}
.tag.open{background:#fdd}.tag.half_open{background:#ffd}.tag.skip{background:#fed}
.key{display:grid;grid-template-columns:110px repeat(3,minmax(0,1fr)) 120px;gap:8px;align-items:center;margin:2px 0 2px 16px;font-size:12px}
.bar{height:10px;background:#e5e8ec;border-radius:5px;overflow:hidden;position:relative}
.bar>i{display:block;height:100%;background:#3b82f6}.bar.low>i{background:#ef4444}
table{border-collapse:collapse;width:100%;font-size:12px}td,th{text-align:left;padding:3px 6px;border-bottom:1px solid #eee}
#charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(310px,1fr));gap:8px}
input{font:inherit;padding:4px 6px;width:60%}.muted{color:#6b7280}
</style></head><body>
<header><h1>model-router</h1><span id="totals" class="muted"></span></header>
<main>
<div>
<section id="groups-section"><h2>Groups, candidates and keys</h2><div id="groups"></div></section>
<section><h2>Requests, tokens, cost and queue wait (last hour, per minute)</h2><div id="charts"></div></section>
</div>
<div>
<section><h2>Plan</h2><form id="plan-form"><input id="plan-model" placeholder="group or providerId/modelId" autocomplete="off"> <button>Plan</button></form><div id="plan"></div></section>
<section><h2>Recent failovers and errors</h2><table><thead><tr><th>time</th><th>type</th><th>model</th><th>from → to</th><th>reason</th></tr></thead><tbody id="activity"></tbody></table></section>
</div>
</main>
<script src="${base}/assets/uPlot.iife.min.js"></script>
<script>
const BASE = ${JSON.stringify(base)};
const esc = (v) => String(v ?? '').replace(/[&<>"']/g, (c) => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'})[c]);
const get = async (path) => { const r = await fetch(BASE + path, { credentials: 'same-origin' }); if (!r.ok) throw new Error(path + ' ' + r.status); return r.json(); };
const pct = (v) => Math.max(0, Math.min(100, Math.round(v * 100)));
function bar(label, used, limit) {
  if (!limit) return '<span class="muted">' + esc(label) + ' —</span>';
  const free = 1 - used / limit;
  return '<div title="' + esc(label + ' ' + used + '/' + limit) + '"><span class="muted">' + esc(label) + ' ' + pct(free) + '% free</span><div class="bar' + (free < 0.2 ? ' low' : '') + '" data-dim="' + esc(label) + '" data-free="' + pct(free) + '"><i style="width:' + pct(free) + '%"></i></div></div>';
}
function until(ms) { return ms ? 'until ' + new Date(ms).toLocaleTimeString() : ''; }
async function refreshState() {
  const s = await get('/api/state');
  document.getElementById('totals').textContent = 'in flight ' + s.inFlight + ' · queued ' + s.queued;
  document.getElementById('groups').innerHTML = s.groups.map((g) =>
    '<div class="group" data-group="' + esc(g.name) + '"><h3>' + esc(g.name) + (g.available ? '' : '<span class="tag skip">unavailable</span>') + '</h3>' +
    g.candidates.map((c) => '<div class="cand" data-candidate="' + esc(c.providerId + '/' + c.modelId) + '"><span class="name">' + esc(c.providerId + '/' + c.modelId) + '</span>' +
      '<span class="tag ' + esc(c.circuit) + '">circuit ' + esc(c.circuit) + '</span>' + (c.skip ? '<span class="tag skip">' + esc(c.skip) + '</span>' : '') +
      '<span class="muted"> headroom ' + pct(c.headroom) + '% · in flight ' + c.inFlight + '</span>' +
      c.keys.map((k) => '<div class="key" data-key="' + esc(c.providerId + '/' + k.keyId) + '"><span>' + esc(k.keyId) + ' <span class="muted">' + k.inFlight + ' in flight' + (k.queued ? ', ' + k.queued + ' queued' : '') + '</span></span>' +
        bar('rpm', k.requestsInWindow, k.rpm) + bar('tpm', k.tokensInWindow, k.tpm) + bar('concurrency', k.inFlight, k.maxConcurrent) +
        '<span class="muted">' + (k.coolingUntil ? 'cooling ' + until(k.coolingUntil) : '') + (k.quarantinedUntil ? 'quarantined ' + until(k.quarantinedUntil) : '') + '</span></div>').join('') +
      '</div>').join('') + '</div>').join('');
}
async function refreshActivity() {
  const items = await get('/api/activity');
  document.getElementById('activity').innerHTML = items.map((i) => '<tr class="' + esc(i.type) + '"><td>' + esc(new Date(i.at).toLocaleTimeString()) + '</td><td>' + esc(i.type) + '</td><td>' + esc(i.model) + '</td><td>' + esc(i.from ? i.from + ' → ' + (i.to ?? '…') : '') + '</td><td>' + esc(i.reason) + (i.status ? ' (' + i.status + ')' : '') + '</td></tr>').join('');
}
const charts = {};
async function refreshSeries() {
  const buckets = await get('/api/series');
  const xs = buckets.map((b) => b.minute * 60);
  const value = (row, field) => !row ? 0 : field === 'queueWait' ? (row.requests ? row.queueWaitMs / row.requests : 0) : row[field];
  for (const [field, title] of [['requests', 'requests'], ['tokens', 'tokens'], ['costUsd', 'cost (USD)'], ['queueWait', 'queue wait (ms, mean)']]) {
    for (const by of ['byGroup', 'byProvider']) {
      const names = [...new Set(buckets.flatMap((b) => Object.keys(b[by])))].sort();
      const data = [xs, ...names.map((n) => buckets.map((b) => value(b[by][n], field)))];
      const id = field + '-' + by;
      const opts = { scales: { x: { time: true, range: () => { const n = Date.now() / 1000; return [n - 3600, n + 60]; } } }, title: title + (by === 'byGroup' ? ' by group' : ' by provider'), width: 300, height: 140,
        series: [{}, ...names.map((n, i) => ({ label: n, stroke: 'hsl(' + (i * 67 % 360) + ' 70% 45%)', points: { show: true } }))] };
      const key = id + ':' + names.join(',');
      if (!charts[id] || charts[id].key !== key) {
        charts[id]?.plot.destroy();
        let el = document.getElementById(id);
        if (!el) { el = document.createElement('div'); el.id = id; document.getElementById('charts').appendChild(el); }
        charts[id] = { key, plot: new uPlot(opts, data, el) };
      } else charts[id].plot.setData(data);
    }
  }
}
document.getElementById('plan-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const model = document.getElementById('plan-model').value.trim();
  const out = document.getElementById('plan');
  try {
    const plan = await get('/api/plan?model=' + encodeURIComponent(model));
    out.innerHTML = '<ol>' + plan.map((c) => '<li data-plan="' + esc(c.providerId + '/' + c.modelId) + '">' + esc(c.providerId + '/' + c.modelId) + ' — headroom ' + pct(c.headroom) + '%, ' + c.usableKeys + '/' + c.totalKeys + ' keys usable' + (c.skip ? ' — <b>skipped: ' + esc(c.skip) + '</b>' + (c.retryAfterMs ? ' for ' + Math.ceil(c.retryAfterMs / 1000) + ' s' : '') : '') + '</li>').join('') + '</ol>';
  } catch (err) { out.innerHTML = '<p class="muted">' + esc(err.message) + '</p>'; }
});
async function tick() { try { await Promise.all([refreshState(), refreshActivity()]); } catch (e) { document.getElementById('totals').textContent = String(e.message); } }
tick(); refreshSeries().catch(() => {});
setInterval(tick, ${pollMs});
setInterval(() => refreshSeries().catch(() => {}), ${Math.max(pollMs * 5, 1000)});
</script></body></html>`;
}
