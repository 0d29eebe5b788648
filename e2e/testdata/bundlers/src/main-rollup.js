// Rollup: @rollup/plugin-node-resolve finds the package (as for any npm
// package); Rollup splits wasm_exec.js into a chunk but does not follow
// new URL('./eventsource.wasm', import.meta.url), so the build copies the
// package's eventsource.wasm next to the bundle, where that URL points.
import { run } from './app.js';

run('rollup');
