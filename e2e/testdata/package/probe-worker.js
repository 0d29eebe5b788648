// The probe's module Worker: the same connection as probe.js, made inside
// the worker, posting its result to the page.
import { collect, params } from './collect.js';

const p = params(location.search);
const mod = await import(new URL(p.module, location.origin).href);
if (p.wasmURL) mod.configure({ wasmURL: p.wasmURL });
postMessage({ ...(await collect(mod.WasmEventSource, p.stream, p.init)), workerScope: typeof WorkerGlobalScope === 'function' && self instanceof WorkerGlobalScope });
