// The package as a user gets it: `npm pack` of the built repository, installed with Express into a
// fresh app outside the repository. The README's Express example (examples/express) type-checks
// against it under NodeNext, Node16 and Bundler with the library's declarations checked too, runs,
// and decides exactly as the standalone server does for every demo persona; the `visitor-offers`
// command works from the app's node_modules/.bin (check, decide, results, serve, gen-token).
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personas } from '../../demo/personas';
import { SIMULATED_DATAFAST_DEFAULTS as SIM, startSimulatedDataFast, type SimulatedDataFast } from '../../demo/simulated-datafast';
import { SITE_PATHS } from '../../demo/site/paths';
import { bareImports, cleanEnv, lockedVersion, REPO, run, startNode, type Listening } from './packed-app';

interface PackInfo {
  filename: string;
  files: Array<{ path: string }>;
}

let work: string;
let app: string;
let installed: string;
let files: string[];
let sim: SimulatedDataFast;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'vo-package-'));
  // Without scripts: `npm test` built dist/ already, and a rebuild now would pull it from under
  // the suites running beside this one.
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: REPO });
  if (packed.code !== 0) throw new Error(`npm pack failed:\n${packed.stderr}`);
  const [info] = JSON.parse(packed.stdout) as PackInfo[];
  if (!info) throw new Error(`npm pack printed no package:\n${packed.stdout}`);
  files = info.files.map((f) => f.path);

  app = join(work, 'app');
  mkdirSync(app);
  for (const name of ['package.json', 'server.ts', 'tsconfig.json']) copyFileSync(join(REPO, 'examples/express', name), join(app, name));
  // The demo's offers file and the coupon pool it names, beside each other as in any app.
  copyFileSync(join(REPO, 'demo/offers.demo.json'), join(app, 'offers.json'));
  copyFileSync(join(REPO, 'demo/coupons.demo.txt'), join(app, 'coupons.demo.txt'));
  // better-sqlite3 is native and has no prebuilt binary for every machine: compiled here it takes
  // one to two minutes. The repository's copy was built for this machine by its own install, at
  // the version the package pins; placed first with what it loads at run time, npm keeps them.
  for (const name of ['better-sqlite3', 'bindings', 'file-uri-to-path']) cpSync(join(REPO, 'node_modules', name), join(app, 'node_modules', name), { recursive: true });
  const deps = ['express', '@types/express', '@types/node', 'typescript'].map((name) => `${name}@${lockedVersion(name)}`);
  const install = await run('npm', ['install', join(work, info.filename), ...deps, '--prefer-offline', '--no-audit', '--no-fund'], { cwd: app });
  if (install.code !== 0) throw new Error(`npm install failed:\n${install.stderr}`);
  installed = join(app, 'node_modules/visitor-offers');
  sim = await startSimulatedDataFast();
}, 120_000);

afterAll(async () => {
  await sim?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** What `node` in the app resolves a specifier to, or the error code when it cannot. */
async function resolveInApp(specifier: string): Promise<string> {
  const script = `try { console.log(import.meta.resolve(${JSON.stringify(specifier)})) } catch (e) { console.log(e.code) }`;
  const r = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: app });
  return r.stdout.trim();
}

describe('npm pack', () => {
  it('ships the server bundles, declarations and widget files with README and LICENSE, and nothing else', () => {
    expect(files).toEqual(
      expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'dist/server/index.js', 'dist/server/main.js', 'dist/server/cli.js', 'dist/types/server/index.d.ts']),
    );
    // The router serves every widget file (bundles, maps, licence notices, manifest) from the package.
    for (const name of readdirSync(join(REPO, 'dist/widget'))) expect(files).toContain(`dist/widget/${name}`);
    const allowed = /^(package\.json|README\.md|LICENSE|offers\.schema\.json|dist\/server\/[\w-]+\.js|dist\/types\/[\w/-]+\.d\.ts|dist\/widget\/[\w.-]+)$/;
    expect(files.filter((f) => !allowed.test(f))).toEqual([]);
  });

  it('depends at run time on exactly the packages its server bundles import', () => {
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    const imported = new Set<string>();
    for (const f of files.filter((p) => p.startsWith('dist/server/'))) {
      for (const name of bareImports(readFileSync(join(installed, f), 'utf8'))) imported.add(name);
    }
    expect(Object.keys(manifest.dependencies ?? {}).sort()).toEqual([...imported].sort());
  });
});

describe('installed into a fresh Express app', () => {
  it('is a copy inside the app, outside the repository, exposing only its exports', async () => {
    expect(relative(REPO, app).startsWith('..')).toBe(true);
    const main = fileURLToPath(await resolveInApp('visitor-offers'));
    expect(main).toBe(join(installed, 'dist/server/index.js'));
    expect(realpathSync(main)).toBe(main); // not a link back into the repository
    expect(existsSync(join(installed, 'server'))).toBe(false);
    // Paths outside the exports map are closed, so nothing can come to depend on the layout.
    expect(await resolveInApp('visitor-offers/dist/server/main.js')).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
    expect(fileURLToPath(await resolveInApp('visitor-offers/package.json'))).toBe(join(installed, 'package.json'));
  });

  it('resolves visitor-offers/widget.js to the browser bundle, and the offers file schema', async () => {
    const widget = fileURLToPath(await resolveInApp('visitor-offers/widget.js'));
    expect(readFileSync(widget, 'utf8')).toBe(readFileSync(join(REPO, 'dist/widget/widget.js'), 'utf8'));
    // For "$schema" in an app's offers file, e.g. ./node_modules/visitor-offers/offers.schema.json.
    const schema = fileURLToPath(await resolveInApp('visitor-offers/offers.schema.json'));
    expect(readFileSync(schema, 'utf8')).toBe(readFileSync(join(REPO, 'offers.schema.json'), 'utf8'));
  });

  const MODES: Array<[string, { module: string; moduleResolution: string }]> = [
    ['NodeNext', { module: 'NodeNext', moduleResolution: 'NodeNext' }],
    ['Node16', { module: 'Node16', moduleResolution: 'Node16' }],
    ['Bundler', { module: 'ESNext', moduleResolution: 'Bundler' }],
  ];
  it.each(MODES)('type-checks the example with moduleResolution %s, skipLibCheck off', async (mode, options) => {
    // The example's own tsconfig (strict, skipLibCheck false), with only the resolution changed.
    const config = join(app, `tsconfig.${mode}.json`);
    writeFileSync(config, JSON.stringify({ extends: './tsconfig.json', compilerOptions: { ...options, noEmit: true } }));
    const shown = await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', config, '--showConfig'], { cwd: app });
    expect(JSON.parse(shown.stdout)).toMatchObject({ compilerOptions: { moduleResolution: mode.toLowerCase(), skipLibCheck: false } });
    const checked = await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', config], { cwd: app });
    expect(checked.stdout + checked.stderr).toBe('');
    expect(checked.code).toBe(0);
  }, 60_000);

  it('runs the example and decides as the standalone server does, for every demo persona on every demo page', async () => {
    const built = await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { cwd: app });
    expect(built.stdout + built.stderr).toBe('');
    const datafast = { DATAFAST_API_KEY: SIM.apiKey, DATAFAST_API_URL: sim.url, PORT: '0', HOST: '127.0.0.1' };
    const servers: Listening[] = [];
    try {
      const example = await startNode(['dist/server.js'], {
        cwd: app,
        env: cleanEnv({ ...datafast, OFFERS_CONFIG: 'offers.json', DATA_DIR: mkdtempSync(join(work, 'example-data-')) }),
      });
      servers.push(example);
      const standalone = await startNode([join(REPO, 'dist/server/main.js')], {
        cwd: REPO,
        env: cleanEnv({ ...datafast, OFFERS_CONFIG: 'demo/offers.demo.json', DATA_DIR: mkdtempSync(join(work, 'standalone-data-')) }),
      });
      servers.push(standalone);

      const decide = async (base: string, path: string, visitorId: string | null): Promise<unknown> => {
        const headers: Record<string, string> = visitorId === null ? {} : { cookie: `datafast_visitor_id=${visitorId}` };
        const res = await fetch(`${base}/visitor-offers/offer?path=${encodeURIComponent(path)}`, { headers });
        expect(res.status).toBe(200);
        // Each process signs with its own generated secret: the token is compared by its presence.
        const { token, ...decision } = (await res.json()) as { token?: unknown };
        return { ...decision, signed: typeof token === 'string' };
      };
      // Same requests in the same order, one at a time: both stores start empty and hand out pool
      // codes in file order, so even single-use coupon codes are expected to be equal.
      const visitors: Array<[string, string | null]> = [...Object.entries(personas).map(([name, p]): [string, string] => [name, p.visitorId]), ['no cookie', null]];
      const fromExample: unknown[] = [];
      const fromStandalone: unknown[] = [];
      for (const [name, id] of visitors) {
        for (const path of Object.values(SITE_PATHS)) {
          fromExample.push({ name, path, decision: await decide(example.url, path, id) });
          fromStandalone.push({ name, path, decision: await decide(standalone.url, path, id) });
        }
      }
      expect(fromExample).toEqual(fromStandalone);

      // Not a comparison of two failures: the personas reach every kind of outcome.
      const decisions = fromExample.map((d) => (d as { decision: { segment: string; offer: { kind: string } | null; experiment: unknown } }).decision);
      expect(new Set(decisions.map((d) => d.segment))).toEqual(new Set(['low', 'average', 'high', 'customer', 'unknown']));
      expect(new Set(decisions.map((d) => d.offer?.kind ?? null))).toEqual(new Set(['coupon', 'urgency', 'lead_magnet', null]));
      expect(decisions.some((d) => d.experiment !== null)).toBe(true);

      // The router finds its widget files inside the installed package.
      const widget = await fetch(`${example.url}/visitor-offers/widget.js`);
      expect(widget.status).toBe(200);
      // As served without public source maps: the package's bundle less its sourceMappingURL line.
      expect(await widget.text()).toBe(readFileSync(join(installed, 'dist/widget/widget.js'), 'utf8').replace(/\n\/\/# sourceMappingURL=[^\n]*\n?$/, '\n'));
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
    }
  }, 60_000);
});

describe('the visitor-offers command, from the app', () => {
  const cli = (...args: string[]) => run(join(app, 'node_modules/.bin/visitor-offers'), args, { cwd: app });

  it('check passes the demo offers file and its code pool', async () => {
    const r = await cli('check', 'offers.json');
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^ok: offers\.json: /);
    expect(r.code).toBe(0);
  });

  it('check fails a broken offers file with one line naming the place', async () => {
    const offers = JSON.parse(readFileSync(join(app, 'offers.json'), 'utf8')) as { offers: Array<Record<string, unknown>> };
    offers.offers[0] = { ...offers.offers[0], headline: 42 };
    writeFileSync(join(app, 'broken.json'), JSON.stringify(offers, null, 2));
    const r = await cli('check', 'broken.json');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^broken\.json: offers\[0\]\.headline: /)]);
  });

  it('decide asks DataFast and prints the decision the server makes', async () => {
    const env = cleanEnv({ DATAFAST_API_KEY: SIM.apiKey, DATAFAST_API_URL: sim.url, OFFERS_CONFIG: 'offers.json' });
    const r = await run(join(app, 'node_modules/.bin/visitor-offers'), ['decide', '--visitor', personas.low.visitorId, '--path', SITE_PATHS.pricing, '--json'], { cwd: app, env });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({ lookup: 'found', decision: { segment: 'low' } });
  });

  it('results reads the offers file and an empty store', async () => {
    const env = cleanEnv({ OFFERS_CONFIG: 'offers.json', DATA_DIR: join(work, 'no-data') });
    const r = await run(join(app, 'node_modules/.bin/visitor-offers'), ['results'], { cwd: app, env });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('No data yet');
    expect(r.stdout).toMatch(/^Experiment \S+ \(running/m);
  });

  it('serve runs the standalone server from the environment', async () => {
    const server = await startNode([join(app, 'node_modules/.bin/visitor-offers'), 'serve'], {
      cwd: app,
      env: cleanEnv({ DATAFAST_API_KEY: SIM.apiKey, DATAFAST_API_URL: sim.url, OFFERS_CONFIG: 'offers.json', DATA_DIR: mkdtempSync(join(work, 'serve-data-')), PORT: '0', HOST: '127.0.0.1' }),
    });
    try {
      const res = await fetch(`${server.url}/visitor-offers/offer?path=/`, { headers: { cookie: `datafast_visitor_id=${personas.high.visitorId}` } });
      expect(await res.json()).toMatchObject({ segment: 'high' });
      expect((await (await fetch(`${server.url}/healthz`)).json()) as unknown).toMatchObject({ status: 'ok', offers: { source: 'file' } });
    } finally {
      await server.stop();
    }
  });

  it('gen-token prints a fresh random token', async () => {
    const [a, b] = await Promise.all([cli('gen-token'), cli('gen-token')]);
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/^[\w-]{43}\n$/); // 32 random bytes, base64url
    expect(b.stdout).not.toBe(a.stdout);
  });
});
