// Vite: zero configuration; Vite emits eventsource.wasm and wasm_exec.js
// from the package's new URL(…, import.meta.url) and import('./…').
import { run } from './app.js';

run('vite');
