// esbuild bundles the module and wasm_exec.js but does not follow
// new URL('./eventsource.wasm', import.meta.url): the app imports the wasm
// file's URL (--loader:.wasm=file) and hands it to configure().
import { configure } from 'eventsource-wasm';
import wasmURL from 'eventsource-wasm/eventsource.wasm';
import { run } from './app.js';

configure({ wasmURL });
run('esbuild');
