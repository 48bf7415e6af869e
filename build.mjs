// Builds what runs: the server, the CLI, the demo and the benchmarks, as ES modules for Node 20, and
// the browser widget. Dependencies stay external for Node (installed by npm); our own TypeScript is
// bundled per entry. The widget is self-contained browser files (a loader and a rendering chunk);
// the operator dashboard is one file with Lit bundled in.
// With --types (`npm run build`, hence `npm test` and `prepare`) it also emits the package's .d.ts
// declarations into dist/types with tsc; `npm start` and the other scripts skip that step's seconds.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { build, transform } from 'esbuild';
import { minify } from 'terser';

const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
};

// No stale bundle of a removed entry may linger and be packed.
rmSync('dist/server', { recursive: true, force: true });
await build({
  entryPoints: {
    'server/index': './server/index.ts',
    'server/main': './server/main.ts',
    'demo/main': './demo/main.ts',
    'demo/simulated-datafast': './demo/simulated-datafast-main.ts',
    'demo/screenshots': './demo/screenshots.ts',
    'bench/run': './bench/run.ts',
    'bench/servers': './bench/servers.ts',
    'bench/heap': './bench/heap.ts',
    'bench/big-records': './bench/big-records.ts',
    'bench/startup-child': './bench/startup-child.ts',
    'bench/simulate': './bench/simulate.ts',
  },
  outdir: 'dist',
  ...node,
});

// The `visitor-offers` command (package.json "bin"): run directly, so it starts with a shebang.
await build({ entryPoints: { 'server/cli': './server/cli/main.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' }, ...node });

// The demo's static files sit beside its bundle, as they sit beside its source.
cpSync('demo/public', 'dist/demo/public', { recursive: true });

// The widget, minified, with linked source maps, in two parts:
// - the loader, dist/widget/widget.js (ESM) and widget.iife.js (classic <script>): asks /offer;
//   all a visitor without an offer downloads;
// - the rendering chunk, widget-render.<hash>.js (ESM, the element), which the
//   loader imports from beside its own URL only when there is an offer. Built first: the loader
//   carries its content-hashed name, so the chunk is cached for good and a new loader names a new one.
// Plus content-hashed copies of the loader for long caching, and a manifest naming them all.
const WIDGET_DIR = 'dist/widget';
rmSync(WIDGET_DIR, { recursive: true, force: true }); // no stale hashed copies
// widget/styles.ts is written for reading; its css`` text is minified here, as esbuild's CSS.
const minifyCss = {
  name: 'minify-css-template',
  setup(b) {
    b.onLoad({ filter: /widget[\\/][\w-]*styles\.ts$/ }, async ({ path }) => {
      const source = readFileSync(path, 'utf8');
      const [whole, text] = /= css`([^`]*)`/.exec(source) ?? [];
      if (whole === undefined) throw new Error(`${path}: no css\`…\` template found`);
      const { code } = await transform(text, { loader: 'css', minify: true });
      return { contents: source.replace(whole, `= css\`${code.trim()}\``), loader: 'ts' };
    });
  },
};
const widget = {
  outdir: WIDGET_DIR,
  bundle: true,
  platform: 'browser',
  target: 'es2021',
  // Class fields as plain assignments (no defineProperty helper; Lit's recommended setting for the dashboard).
  tsconfigRaw: { compilerOptions: { useDefineForClassFields: false, verbatimModuleSyntax: true } },
  minify: true,
  // Private members are named with a trailing underscore (widget/visitor-offer.ts): shortened.
  // Each build shortens them its own way: what the loader hands the chunk has plain names.
  mangleProps: /[^_]_$/,
  reserveProps: /^(id|dir)$/,
  sourcemap: 'linked',
  // Licence notices of bundled packages (the dashboard's Lit) go to <file>.LEGAL.txt, served beside it.
  legalComments: 'linked',
  logLevel: 'warning',
  plugins: [minifyCss],
};
// Terser after esbuild over the widget's files: esbuild's minifier trades size for speed, and
// terser's second pass takes another ~3 % of gzip off (chunk ~8,680 → ~8,500 B, loader ~1,595 →
// ~1,550 B), which the 10 KB budget needs. Its source map is composed with esbuild's, so it still
// points into the sources; licence comments (`/*! … */`, @license) are kept.
async function squeeze(name, module) {
  const file = `${WIDGET_DIR}/${name}`;
  const out = await minify(readFileSync(file, 'utf8'), {
    module,
    compress: { passes: 2 },
    format: { comments: 'some' },
    sourceMap: { content: readFileSync(`${file}.map`, 'utf8'), url: `${name}.map`, includeSources: true },
  });
  writeFileSync(file, `${out.code}\n`);
  writeFileSync(`${file}.map`, out.map);
}

// The chunk: built, squeezed, then named after its final bytes (it is served as immutable, so a
// new terser or option that changes them must change its name too). Licence notices of anything
// it bundles stay at its end (none today: the widget bundles no package).
await build({ ...widget, entryPoints: { 'widget-render': './widget/render.ts' }, format: 'esm', legalComments: 'eof' });
await squeeze('widget-render.js', true);
const chunkCode = readFileSync(`${WIDGET_DIR}/widget-render.js`, 'utf8');
const chunk = `widget-render.${createHash('sha256').update(chunkCode).digest('hex').slice(0, 8).toUpperCase()}.js`;
writeFileSync(`${WIDGET_DIR}/${chunk}`, chunkCode.replace('//# sourceMappingURL=widget-render.js.map', `//# sourceMappingURL=${chunk}.map`));
renameSync(`${WIDGET_DIR}/widget-render.js.map`, `${WIDGET_DIR}/${chunk}.map`);
rmSync(`${WIDGET_DIR}/widget-render.js`);

const loader = { ...widget, entryPoints: { widget: './widget/loader.ts' }, define: { VISITOR_OFFERS_CHUNK: JSON.stringify(chunk) } };
await Promise.all([
  // The operator dashboard (widget/dashboard, served as /dashboard.js) rides along in the ESM build
  // only; it is not part of the widget's size budget.
  build({ ...loader, entryPoints: { ...loader.entryPoints, dashboard: './widget/dashboard/index.ts' }, format: 'esm' }),
  // A classic script has no import.meta: the loader uses document.currentScript there.
  build({ ...loader, format: 'iife', entryNames: '[name].iife', define: { ...loader.define, 'import.meta.url': '""' } }),
]);
await Promise.all([squeeze('widget.js', true), squeeze('widget.iife.js', false)]);

/** Copies <name>.js and its map to <name>.<hash8>.js(.map); returns the hashed file name. */
function hashedCopy(name) {
  const code = readFileSync(`${WIDGET_DIR}/${name}.js`, 'utf8');
  const hashed = `${name}.${createHash('sha256').update(code).digest('hex').slice(0, 8)}.js`;
  writeFileSync(`${WIDGET_DIR}/${hashed}`, code.replace(`//# sourceMappingURL=${name}.js.map`, `//# sourceMappingURL=${hashed}.map`));
  copyFileSync(`${WIDGET_DIR}/${name}.js.map`, `${WIDGET_DIR}/${hashed}.map`);
  return hashed;
}
const manifest = {
  esm: 'widget.js',
  iife: 'widget.iife.js',
  hashed: hashedCopy('widget'),
  hashedIife: hashedCopy('widget.iife'),
  chunk,
  dashboard: 'dashboard.js',
};
writeFileSync(`${WIDGET_DIR}/manifest.json`, `${JSON.stringify(manifest, null, 2)}\n`);

// Declarations for consumers, from the sources (tsconfig.build.json); stale ones removed first.
if (process.argv.includes('--types')) {
  rmSync('dist/types', { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}
