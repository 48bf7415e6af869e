// The widget's budget and hygiene, read from the built files (`npm test` builds before vitest).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const DIR = fileURLToPath(new URL('../../dist/widget/', import.meta.url));
// Bytes, gzip level 9. A visitor without an offer downloads the loader only; one with an offer,
// the loader and the rendering chunk (the element, its styles and its DOM builder).
const LOADER_BUDGET = 2.5 * 1024;
const OFFER_BUDGET = 10 * 1024;

const read = (name: string): string => {
  const file = join(DIR, name);
  if (!existsSync(file)) throw new Error(`${file} is missing: build first (node build.mjs, or npm test)`);
  return readFileSync(file, 'utf8');
};

describe('the built widget', () => {
  const manifest = JSON.parse(read('manifest.json')) as Record<string, string>;
  const bundles = ['widget.js', 'widget.iife.js', manifest.hashed ?? '', manifest.hashedIife ?? '', manifest.chunk ?? ''];

  const gz = (name: string): number => gzipSync(read(name), { level: 9 }).length;

  it(`loader: at most ${LOADER_BUDGET} bytes gzipped (level 9), ESM and IIFE — all a visitor without an offer downloads`, () => {
    for (const name of ['widget.js', 'widget.iife.js']) expect(gz(name), `${name}: ${gz(name)} bytes gzipped`).toBeLessThanOrEqual(LOADER_BUDGET);
  });

  it(`loader + rendering chunk: at most ${OFFER_BUDGET} bytes gzipped — what a visitor with an offer downloads`, () => {
    const chunk = manifest.chunk ?? '';
    expect(chunk).toMatch(/^widget-render\.[A-Z0-9]{8}\.js$/);
    for (const name of ['widget.js', 'widget.iife.js']) {
      const total = gz(name) + gz(chunk);
      expect(total, `${name} ${gz(name)} + ${chunk} ${gz(chunk)} = ${total} bytes gzipped`).toBeLessThanOrEqual(OFFER_BUDGET);
    }
  });

  it('the loader carries no Lit and names the chunk it imports, beside its own URL', () => {
    for (const name of ['widget.js', 'widget.iife.js', manifest.hashed ?? '', manifest.hashedIife ?? '']) {
      const code = read(name);
      expect(code, name).not.toMatch(/lit-html|litHtml|\$lit\$/);
      expect(code, name).toContain(`"${manifest.chunk ?? '?'}"`);
      expect(code, name).toMatch(/import\(new URL\(/);
    }
    expect(read(manifest.chunk ?? '')).toMatch(/export\s*\{[^}]*\bstart\b/);
  });

  it('names its files in manifest.json, with content-hashed copies', () => {
    expect(manifest).toMatchObject({ esm: 'widget.js', iife: 'widget.iife.js' });
    expect(manifest.hashed).toMatch(/^widget\.[0-9a-f]{8}\.js$/);
    expect(manifest.hashedIife).toMatch(/^widget\.iife\.[0-9a-f]{8}\.js$/);
    // Same code as the short-cached file; only the source-map comment names its own map.
    expect(read(manifest.hashed ?? '').replace(/sourceMappingURL=\S+/, '')).toBe(read('widget.js').replace(/sourceMappingURL=\S+/, ''));
  });

  it('is minified, self-contained and links its source map', () => {
    const esm = read('widget.js');
    expect(esm).not.toMatch(/^\s*import\s/m); // no static import: nothing loads before /offer answers
    expect(read(manifest.chunk ?? '')).not.toMatch(/(^|[;}])\s*import\s*[{*\w]/m); // nothing imported: the chunk is whole
    expect(esm.trimEnd().endsWith('//# sourceMappingURL=widget.js.map')).toBe(true);
    expect(esm.split('\n').length).toBeLessThan(10);
    expect(JSON.parse(read('widget.js.map'))).toHaveProperty('mappings');
    const iife = read('widget.iife.js');
    expect(iife).not.toContain('import.meta');
    expect(iife).toContain('document.currentScript');
  });

  it('carries no secret-shaped key and no visitor field names', () => {
    for (const name of bundles) {
      const code = read(name);
      for (const word of ['df_', 'dft_', 'customerEmail', 'userId']) expect(code, `${name} contains ${word}`).not.toContain(word);
    }
  });

  it('has no eval, no new Function and no inline style attribute in its templates', () => {
    for (const name of ['widget.js', manifest.chunk ?? '']) {
      const code = read(name);
      expect(code, name).not.toMatch(/\beval\s*\(/);
      expect(code, name).not.toMatch(/new Function\s*\(/);
      expect(code, name).not.toMatch(/\sstyle=["'$]/);
    }
  });
});
