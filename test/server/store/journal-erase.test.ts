// Erasure in the journals kept after their import: every lead record of the address (any case,
// any Unicode composition) and its delivery records leave each `visitor-offers.jsonl.imported-*`
// file, as does a damaged line holding the address; every other byte stays as it was, the file
// stays 0600, and nothing is left beside it. The live journal name and other files are not touched.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eraseFromImportedJournals } from '../../../server/store/journal-erase';

const base = mkdtempSync(join(tmpdir(), 'vo-journal-erase-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const lead = (id: string, email: string): string => JSON.stringify({ t: 'lead', id, email, offerId: 'guide', visitorId: null, at: 1 });
const delivered = (id: string): string => JSON.stringify({ t: 'delivered', id, target: 'webhook' });

describe('eraseFromImportedJournals', () => {
  it('takes the address’s leads, their deliveries and a damaged line holding it out of every imported journal; keeps the rest byte for byte', async () => {
    const dir = mkdtempSync(join(base, 'd-'));
    // Long enough to cross read chunks.
    const filler = Array.from({ length: 2000 }, (_, i) => lead(`f${i}`, `filler-${i}@example.com`));
    const kept = [lead('k1', 'ozge@example.com'), ...filler, delivered('k1'), JSON.stringify({ t: 'exposure', experimentId: 'e', variantId: 'a', visitorId: 'v', at: 1 })];
    const first = `${lead('z1', 'ÖZGE@example.com')}\n${kept.slice(0, 1000).join('\n')}\n${delivered('z1')}\n{"t":"lead","id":"z3","email":"özge@example.COM"\n${kept.slice(1000).join('\n')}\n`;
    const second = `${lead('z2', 'O\u0308ZGE@Example.com')}\n${kept[0]}\n{"t":"lead","email":"ÖZGE@exa`;
    const older = join(dir, 'visitor-offers.jsonl.imported-2026-01-01T00-00-00-000Z');
    const newer = join(dir, 'visitor-offers.jsonl.imported-2026-02-01T00-00-00-000Z');
    writeFileSync(older, first, { mode: 0o600 });
    writeFileSync(newer, second, { mode: 0o600 });
    const untouched = `${lead('z9', 'özge@example.com')}\n`;
    writeFileSync(join(dir, 'visitor-offers.jsonl'), untouched);
    writeFileSync(join(dir, 'notes.txt'), 'özge@example.com');

    expect(await eraseFromImportedJournals(dir, 'özge@EXAMPLE.com')).toEqual({ files: 2, lines: 5 });
    expect(readFileSync(older, 'utf8')).toBe(`${kept.join('\n')}\n`);
    // The torn last line held the address: gone too; what is left keeps its newline.
    expect(readFileSync(newer, 'utf8')).toBe(`${kept[0]}\n`);
    for (const file of [older, newer]) expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'visitor-offers.jsonl'), 'utf8')).toBe(untouched);
    expect(readdirSync(dir).sort()).toEqual(['notes.txt', 'visitor-offers.jsonl', 'visitor-offers.jsonl.imported-2026-01-01T00-00-00-000Z', 'visitor-offers.jsonl.imported-2026-02-01T00-00-00-000Z']);

    const before = statSync(older).mtimeMs;
    expect(await eraseFromImportedJournals(dir, 'ÖZGE@example.com')).toEqual({ files: 2, lines: 0 });
    expect(statSync(older).mtimeMs).toBe(before);
  });

  it('no data directory, or none imported: nothing to do', async () => {
    expect(await eraseFromImportedJournals(join(base, 'missing'), 'a@example.com')).toEqual({ files: 0, lines: 0 });
    expect(await eraseFromImportedJournals(mkdtempSync(join(base, 'd-')), 'a@example.com')).toEqual({ files: 0, lines: 0 });
  });
});
