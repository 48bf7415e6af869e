// GET /widget.js and friends — the browser bundle built by build.mjs into dist/widget:
//   /widget.js, /widget.iife.js              ETag (content hash), public, max-age=300, 304 on If-None-Match
//   /widget.<hash8>.js, /widget.iife.<hash8>.js   public, max-age=31536000, immutable
//   /widget-render.<hash>.js                 the rendering chunk the loader imports when there is an
//                                            offer (manifest `chunk`), cached like the hashed files
//   /dashboard.js                            the operator dashboard's bundle, cached like widget.js
//   the .LEGAL.txt licence notices beside each of them, and their .map files with `sourceMaps:
//   'public'` only. Otherwise a map is not served (404) and the bundles are served without their
//   `//# sourceMappingURL=` line, so nothing names a file that is not there (and a few bytes less).
// dist/widget is found by walking up from this module to the package root (the directory whose
// package.json is named "visitor-offers"), so it works from the TypeScript sources (vitest) and
// from dist/server/*.js alike. Files are read once, on first request, and kept in memory. When the
// bundle has not been built the answer is a 404 that says so, logged once.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router, type Request, type Response } from 'express';
import type { Logger } from '../logger.js';

export interface WidgetRoutesOptions {
  /** Directory holding widget.js and manifest.json; default `<package root>/dist/widget`. */
  dir?: string;
  /** `'public'`: the .map files are served and the bundles name them; `'off'` (default): neither. */
  sourceMaps?: 'public' | 'off';
  logger?: Logger;
}

interface WidgetManifest {
  esm: string;
  iife: string;
  hashed: string;
  hashedIife?: string;
  /** The rendering chunk (content-hashed), which widget.js imports beside itself. */
  chunk?: string;
  /** The operator dashboard (routes/dashboard.ts loads it). */
  dashboard?: string;
}

interface Served {
  body: Buffer;
  etag: string;
  headers: Record<string, string>;
}

const SHORT = 'public, max-age=300';
const IMMUTABLE = 'public, max-age=31536000, immutable';
const JS = 'text/javascript; charset=utf-8';
/** The stable names a page links to: when they cannot be served, the 404 says why. */
const ENTRY_NAMES = new Set(['widget.js', 'widget.iife.js', 'dashboard.js']);

/** The package root: the nearest directory above `from` whose package.json is ours. */
export function packageRoot(from: string = fileURLToPath(import.meta.url)): string | null {
  let dir = dirname(from);
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'visitor-offers') return dir;
      } catch {
        // not ours (or unreadable): keep walking
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

function defaultDir(): string | null {
  const root = packageRoot();
  return root === null ? null : join(root, 'dist', 'widget');
}

/** Which file names are served, and how they are cached: from manifest.json. */
function catalogue(manifest: WidgetManifest, maps: boolean): Map<string, string> {
  const files = new Map<string, string>();
  const add = (name: string | undefined, cache: string): void => {
    if (typeof name !== 'string' || !/^[\w.-]+\.js$/.test(name)) return;
    files.set(name, cache);
    if (maps) files.set(`${name}.map`, cache);
    files.set(`${name}.LEGAL.txt`, cache);
  };
  add(manifest.esm, SHORT);
  add(manifest.iife, SHORT);
  add(manifest.hashed, IMMUTABLE);
  add(manifest.hashedIife, IMMUTABLE);
  add(manifest.chunk, IMMUTABLE);
  add(manifest.dashboard, SHORT);
  return files;
}

function contentType(name: string): string {
  if (name.endsWith('.map')) return 'application/json; charset=utf-8';
  if (name.endsWith('.txt')) return 'text/plain; charset=utf-8';
  return JS;
}

/** The bundle without its trailing `//# sourceMappingURL=…` line (esbuild writes it last). */
export function withoutSourceMapComment(body: Buffer): Buffer {
  const text = body.toString('utf8');
  const stripped = text.replace(/\n\/\/# sourceMappingURL=[^\n]*\n?$/, '\n');
  return stripped === text ? body : Buffer.from(stripped, 'utf8');
}

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}

export function widgetRoutes(options: WidgetRoutesOptions = {}): Router {
  const dir = options.dir ?? defaultDir();
  const maps = options.sourceMaps === 'public';
  const logger = options.logger;
  let files: Map<string, string> | null = null;
  const cache = new Map<string, Served>();
  let warned = false;

  const missing = (res: Response, why: string): void => {
    if (!warned) {
      warned = true;
      logger?.warn({ dir, why }, 'widget bundle not found: run `npm run build` (node build.mjs) to build dist/widget');
    }
    res.status(404).type('text/plain').set('cache-control', 'no-store').send(`visitor-offers: the widget bundle is not built (${why}). Run \`npm run build\`.\n`);
  };

  /** The file's bytes and headers, or null when it is not (yet) there; failures are not cached. */
  const load = (name: string, cacheControl: string): Served | null => {
    const known = cache.get(name);
    if (known) return known;
    if (dir === null) return null;
    let body: Buffer;
    try {
      body = readFileSync(join(dir, name));
    } catch {
      return null;
    }
    if (!maps && name.endsWith('.js')) body = withoutSourceMapComment(body);
    const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`;
    const served: Served = {
      body,
      etag,
      headers: {
        'content-type': contentType(name),
        'cache-control': cacheControl,
        etag,
        'x-content-type-options': 'nosniff',
        // A public, static file: a page on another origin may load it as a module script.
        'access-control-allow-origin': '*',
      },
    };
    cache.set(name, served);
    return served;
  };

  const router = Router();
  router.get('/:file', (req: Request, res: Response, next) => {
    const name = req.params.file;
    if (typeof name !== 'string' || !(name.startsWith('widget') || name.startsWith('dashboard'))) return next();
    if (files === null) {
      try {
        files = catalogue(JSON.parse(readFileSync(join(dir ?? '', 'manifest.json'), 'utf8')) as WidgetManifest, maps);
      } catch {
        return ENTRY_NAMES.has(name) ? missing(res, 'no dist/widget/manifest.json') : next();
      }
    }
    const cacheControl = files.get(name);
    if (cacheControl === undefined) return name === 'dashboard.js' ? missing(res, 'no dashboard in manifest.json') : next();
    const served = load(name, cacheControl);
    if (!served) return missing(res, `no ${name}`);
    res.set(served.headers);
    if (etagMatches(req.get('if-none-match'), served.etag)) return void res.status(304).end();
    res.status(200).send(served.body);
  });
  return router;
}
