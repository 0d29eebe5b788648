// The probe's module Worker: the same connection as probe.js, made inside
// the worker, posting its result to the page.
import { collect, params } from './collect.js';

const p = params(location.search);
const { WasmEventSource } = await import(new URL(p.module, location.origin).href);
postMessage({ ...(await collect(WasmEventSource, p.stream, p.init)), workerScope: typeof WorkerGlobalScope === 'function' && self instanceof WorkerGlobalScope });
