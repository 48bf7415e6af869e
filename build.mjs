// Builds what runs: the server, the demo and the benchmarks, as ES modules for Node 20.
// Dependencies stay external (installed by npm); our own TypeScript is bundled per entry.
import { cpSync } from 'node:fs';
import { build } from 'esbuild';

await build({
  entryPoints: {
    'server/index': './server/index.ts',
    'server/main': './server/main.ts',
    'server/results-main': './server/results-main.ts',
    'demo/main': './demo/main.ts',
    'bench/run': './bench/run.ts',
    'bench/servers': './bench/servers.ts',
    'bench/heap': './bench/heap.ts',
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

// The demo's static files sit beside its bundle, as they sit beside its source.
cpSync('demo/public', 'dist/demo/public', { recursive: true });
