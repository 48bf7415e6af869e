// The widget's budget and hygiene, read from the built files (`npm test` builds before vitest).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const DIR = fileURLToPath(new URL('../../dist/widget/', import.meta.url));
const BUDGET = 12 * 1024; // bytes, gzip level 9, Lit included

const read = (name: string): string => {
  const file = join(DIR, name);
  if (!existsSync(file)) throw new Error(`${file} is missing: build first (node build.mjs, or npm test)`);
  return readFileSync(file, 'utf8');
};

describe('the built widget', () => {
  const manifest = JSON.parse(read('manifest.json')) as Record<string, string>;
  const bundles = ['widget.js', 'widget.iife.js', manifest.hashed ?? '', manifest.hashedIife ?? ''];

  it(`is at most ${BUDGET} bytes gzipped (level 9), Lit included`, () => {
    for (const name of ['widget.js', 'widget.iife.js']) {
      const size = gzipSync(read(name), { level: 9 }).length;
      expect(size, `${name}: ${size} bytes gzipped`).toBeLessThanOrEqual(BUDGET);
    }
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
    expect(esm).not.toMatch(/^\s*import\s/m); // Lit is bundled in
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
    const esm = read('widget.js');
    expect(esm).not.toMatch(/\beval\s*\(/);
    expect(esm).not.toMatch(/new Function\s*\(/);
    expect(esm).not.toMatch(/\sstyle=["'$]/);
  });
});
