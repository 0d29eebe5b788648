// One tab of the demo's Tabs view (web/index.html, #tabs). It stays a small
// plain page, unlike the demo's Go views, so that a dozen open at once
// without a dozen demo modules: it reads the view's /events stream with the
// client named in ?mode= (shared, native or wasm), as server session ?run=,
// and shows what it gets.
// The view reads body.dataset (state: readyState, count: events).
import { WasmEventSource } from '/eventsource-wasm.js';

const q = new URLSearchParams(location.search);
const mode = ['shared', 'native', 'wasm'].includes(q.get('mode')) ? q.get('mode') : 'shared';
const url = `/events?interval=1s&session=${encodeURIComponent(q.get('run') ?? 'demo-tabs')}`;
const labels = { shared: 'shared: true', native: 'native EventSource', wasm: 'WasmEventSource' };
const states = ['connecting', 'open', 'closed'];

const $ = (id) => document.getElementById(id);
$('tab-mode').textContent = labels[mode];

const es = mode === 'native' ? new EventSource(url) : new WasmEventSource(url, { shared: mode === 'shared' });
let count = 0;
const show = () => {
  document.body.dataset.state = String(es.readyState);
  $('tab-state').textContent = states[es.readyState];
};
es.addEventListener('open', show);
es.addEventListener('error', show);
es.addEventListener('message', (e) => {
  count++;
  document.body.dataset.count = String(count);
  $('tab-count').textContent = String(count);
  $('tab-last').textContent = e.lastEventId;
  show();
});
show();
