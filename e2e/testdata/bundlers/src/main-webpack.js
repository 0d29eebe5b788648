// webpack 5: zero configuration; it emits eventsource.wasm as an asset from
// new URL(…, import.meta.url) and wasm_exec.js as a chunk from import('./…').
import { run } from './app.js';

run('webpack');
