// The Rollup fixture: node-resolve for the bare import, ES module output.
import { nodeResolve } from '@rollup/plugin-node-resolve';

export default {
  input: 'src/main-rollup.js',
  output: { dir: 'dist/rollup', format: 'es' },
  plugins: [nodeResolve()],
};
