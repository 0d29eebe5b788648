// The probe page: connects one WasmEventSource (in the page, or in a
// dedicated module Worker with ?worker=1) as its query string says and
// leaves what happened in window.result.
import { collect, params } from './collect.js';

async function run() {
  if (new URLSearchParams(location.search).get('worker')) {
    const worker = new Worker('probe-worker.js' + location.search, { type: 'module' });
    return new Promise((resolve) => {
      worker.onmessage = (e) => resolve({ ...e.data, inWorker: true });
      worker.onerror = (e) => resolve({ thrown: 'worker error: ' + e.message });
    });
  }
  const p = params(location.search);
  const mod = await import(p.module);
  if (p.wasmURL) mod.configure({ wasmURL: p.wasmURL });
  return collect(mod.WasmEventSource, p.stream, p.init);
}

run().then(
  (r) => { window.result = r; },
  (err) => { window.result = { thrown: String(err) }; },
);
