// The README's guides show example files verbatim: each fenced block right after an
// `<!-- example: <path> -->` line must be byte-identical to that file, so what a reader copies is
// what the tests run. To fix a failure, paste the file's current content into its block.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const MARKER = /^<!-- example: (\S+) -->$/gm;
/** The marker, then at once a fence of three or more backticks, the content, and the same fence. */
const BLOCK = /^<!-- example: (\S+) -->\n(`{3,})[\w-]*\n([\s\S]*?)\n\2$/gm;

const markers = [...README.matchAll(MARKER)].map((m) => m[1] ?? '');
const blocks = [...README.matchAll(BLOCK)].map((m) => ({ path: m[1] ?? '', content: `${m[3] ?? ''}\n` }));

describe('example files embedded in the README', () => {
  it('embed the guides’ examples, each marker followed directly by its fenced block', () => {
    expect(markers).toEqual(expect.arrayContaining(['examples/express/server.ts', 'examples/nginx/visitor-offers.conf', 'examples/nextjs/app/visitor-offers/[...path]/route.ts', 'examples/plain-html/index.html']));
    expect(blocks.map((b) => b.path)).toEqual(markers);
  });

  it.each(blocks.map((b) => [b.path, b.content] as const))('%s is byte-identical to its README block', (path, content) => {
    const file = join(ROOT, path);
    expect(existsSync(file), `${path} does not exist`).toBe(true);
    expect(content, `the README block for ${path} differs from the file: paste the file into the block`).toBe(readFileSync(file, 'utf8'));
  });
});
