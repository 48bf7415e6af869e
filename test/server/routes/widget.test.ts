// GET /widget.js and its hashed, IIFE, map and licence siblings: the bytes of dist/widget, with
// an ETag and short caching for the stable names, immutable caching for the hashed ones; a clear
// 404 (logged once) when the bundle has not been built.
import express from 'express';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { packageRoot, widgetRoutes } from '../../../server/routes/widget';
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
    'manifest.json': JSON.stringify({ esm: 'widget.js', iife: 'widget.iife.js', hashed: 'widget.0123abcd.js' }),
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
    expect(res.text).toBe(readFileSync(join(dir, 'widget.js'), 'utf8'));
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

  it('serves the hashed name as immutable, and the IIFE, map and licence files', async () => {
    const a = app({ dir });
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
