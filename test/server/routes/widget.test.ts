// GET /widget.js and its hashed, IIFE, map and licence siblings: the bytes of dist/widget, with
// an ETag and short caching for the stable names, immutable caching for the hashed ones; a clear
// 404 (logged once) when the bundle has not been built. Source maps only with sourceMaps:
// 'public'; otherwise they answer 404 and the bundles are served without naming them.
import express from 'express';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { packageRoot, widgetRoutes, withoutSourceMapComment } from '../../../server/routes/widget';
import { captureLog } from '../../support/log-capture';

const app = (options: Parameters<typeof widgetRoutes>[0] = {}): express.Express => {
  const a = express();
  a.use('/visitor-offers', widgetRoutes(options));
  a.use((_req, res) => void res.status(404).json({ error: 'not found' }));
  return a;
};

/** A dist/widget of our own, so the test does not depend on (or race) the real build. */
function fakeBundle(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vo-widget-'));
  const files: Record<string, string> = {
    'widget.js': 'console.log("esm");\n//# sourceMappingURL=widget.js.map\n',
    'widget.js.map': '{"version":3,"mappings":""}',
    'widget.js.LEGAL.txt': 'Lit licence',
    'widget.iife.js': '(()=>{})();\n',
    'widget.0123abcd.js': 'console.log("esm");\n//# sourceMappingURL=widget.0123abcd.js.map\n',
    'widget.0123abcd.js.map': '{"version":3,"mappings":""}',
    'widget-render.AB12CD34.js': 'export function start(){}\n',
    'manifest.json': JSON.stringify({ esm: 'widget.js', iife: 'widget.iife.js', hashed: 'widget.0123abcd.js', chunk: 'widget-render.AB12CD34.js' }),
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('widget routes', () => {
  const dir = fakeBundle();

  it('serves widget.js with an ETag, short public caching and nosniff', async () => {
    const res = await request(app({ dir })).get('/visitor-offers/widget.js');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers.etag).toMatch(/^"[0-9a-f]{16}"$/);
    // The built file ends with its sourceMappingURL line; maps are off by default, so it is left out.
    expect(readFileSync(join(dir, 'widget.js'), 'utf8')).toContain('//# sourceMappingURL=widget.js.map');
    expect(res.text).toBe('console.log("esm");\n');
  });

  it('answers 304 to a matching If-None-Match (also in a list, or weak)', async () => {
    const a = app({ dir });
    const { etag } = (await request(a).get('/visitor-offers/widget.js')).headers as { etag: string };
    for (const header of [etag, `"other", ${etag}`, `W/${etag}`]) {
      const res = await request(a).get('/visitor-offers/widget.js').set('if-none-match', header);
      expect(res.status).toBe(304);
      expect(res.headers.etag).toBe(etag);
      expect(res.headers['cache-control']).toBe('public, max-age=300');
    }
    expect((await request(a).get('/visitor-offers/widget.js').set('if-none-match', '"stale"')).status).toBe(200);
  });

  it('serves the hashed name as immutable, and the IIFE, map and licence files (maps public)', async () => {
    const a = app({ dir, sourceMaps: 'public' });
    const hashed = await request(a).get('/visitor-offers/widget.0123abcd.js');
    expect(hashed.status).toBe(200);
    expect(hashed.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(hashed.headers['content-type']).toBe('text/javascript; charset=utf-8');
    const iife = await request(a).get('/visitor-offers/widget.iife.js');
    expect(iife.status).toBe(200);
    expect(iife.headers['content-type']).toBe('text/javascript; charset=utf-8');
    const map = await request(a).get('/visitor-offers/widget.js.map');
    expect(map.status).toBe(200);
    expect(map.headers['content-type']).toBe('application/json; charset=utf-8');
    expect((await request(a).get('/visitor-offers/widget.0123abcd.js.map')).headers['cache-control']).toContain('immutable');
    const legal = await request(a).get('/visitor-offers/widget.js.LEGAL.txt');
    expect(legal.headers['content-type']).toBe('text/plain; charset=utf-8');
  });

  it('serves the rendering chunk the manifest names as immutable, and no other chunk name', async () => {
    const a = app({ dir });
    const chunk = await request(a).get('/visitor-offers/widget-render.AB12CD34.js');
    expect(chunk.status).toBe(200);
    expect(chunk.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(chunk.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(chunk.headers['access-control-allow-origin']).toBe('*'); // a module imported across origins needs CORS
    expect((await request(a).get('/visitor-offers/widget-render.ZZZZZZZZ.js')).status).toBe(404);
  });

  it('passes anything else on (no file outside the manifest is readable)', async () => {
    const a = app({ dir });
    for (const path of ['manifest.json', 'widget.deadbeef.js', 'widget.ts', '..%2Fpackage.json', 'widget.js%00']) {
      const res = await request(a).get(`/visitor-offers/${path}`);
      expect(res.status, path).toBe(404);
      expect(res.body).toEqual({ error: 'not found' });
    }
  });

  it('answers a clear 404 when the bundle is not built, and logs it once', async () => {
    const log = captureLog();
    const empty = mkdtempSync(join(tmpdir(), 'vo-widget-none-'));
    mkdirSync(join(empty, 'sub'));
    const a = app({ dir: join(empty, 'sub'), logger: log.logger });
    for (let i = 0; i < 3; i++) {
      const res = await request(a).get('/visitor-offers/widget.js');
      expect(res.status).toBe(404);
      expect(res.text).toMatch(/not built.*npm run build/);
      expect(res.headers['cache-control']).toBe('no-store');
    }
    expect(log.lines.filter((l) => l.includes('widget bundle not found'))).toHaveLength(1);
  });

  it('finds the package root from the sources, so the default is <root>/dist/widget', () => {
    const root = packageRoot();
    expect(root).toBe(fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, ''));
    expect(packageRoot('/')).toBeNull();
  });
});

describe('source maps', () => {
  const dir = fakeBundle();
  const MAPS = ['widget.js.map', 'widget.0123abcd.js.map'];

  it('off by default: every map answers 404, and no served bundle names one', async () => {
    for (const a of [app({ dir }), app({ dir, sourceMaps: 'off' })]) {
      for (const map of MAPS) {
        const res = await request(a).get(`/visitor-offers/${map}`);
        expect(res.status, map).toBe(404);
        expect(res.body).toEqual({ error: 'not found' });
      }
      for (const bundle of ['widget.js', 'widget.0123abcd.js', 'widget.iife.js']) {
        const res = await request(a).get(`/visitor-offers/${bundle}`);
        expect(res.status).toBe(200);
        expect(res.text).not.toContain('sourceMappingURL');
        expect(res.text).toMatch(/^(console\.log\("esm"\);|\(\(\)=>\{\}\)\(\);)\n$/);
      }
    }
  });

  it('the ETag is of the bytes served, so it changes with the setting', async () => {
    const off = (await request(app({ dir })).get('/visitor-offers/widget.js')).headers.etag as string;
    const on = (await request(app({ dir, sourceMaps: 'public' })).get('/visitor-offers/widget.js')).headers.etag as string;
    expect(off).not.toBe(on);
  });

  it("'public': the maps are served and the bundles are the built bytes, comment included", async () => {
    const a = app({ dir, sourceMaps: 'public' });
    for (const map of MAPS) {
      const res = await request(a).get(`/visitor-offers/${map}`);
      expect(res.status, map).toBe(200);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(JSON.parse(res.text)).toEqual({ version: 3, mappings: '' });
    }
    for (const bundle of ['widget.js', 'widget.0123abcd.js']) {
      expect((await request(a).get(`/visitor-offers/${bundle}`)).text).toBe(readFileSync(join(dir, bundle), 'utf8'));
    }
  });

  it('keeps every other line of a bundle, the licence link too', () => {
    const built = '!function(){}();\n/*! For license information please see widget.js.LEGAL.txt */\n//# sourceMappingURL=widget.js.map\n';
    expect(withoutSourceMapComment(Buffer.from(built)).toString()).toBe('!function(){}();\n/*! For license information please see widget.js.LEGAL.txt */\n');
    const none = Buffer.from('x();\n');
    expect(withoutSourceMapComment(none)).toBe(none);
    // Only the trailing comment esbuild writes: the same text inside the code is the code's own.
    const inside = 'const s = "\\n//# sourceMappingURL=x.map";\nrun(s);\n';
    expect(withoutSourceMapComment(Buffer.from(inside)).toString()).toBe(inside);
  });
});
