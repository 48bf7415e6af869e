// Builds what runs: the server, the demo and the benchmarks, as ES modules for Node 20.
// Dependencies stay external (installed by npm); our own TypeScript is bundled per entry.
import { build } from 'esbuild';

await build({
  entryPoints: {
    'server/index': 'server/index.ts',
    'server/main': 'server/main.ts',
    'demo/main': 'demo/main.ts',
    'bench/run': 'bench/run.ts',
  },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
