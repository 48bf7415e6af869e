// `visitor-offers check offers.json`: the file checked exactly as the server checks it, exit 0 with a
// summary, or exit 1 with every problem on its own line — syntax errors at line and column, unknown
// keys with the closest known one.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './run-cli';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vo-check-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const lead = { id: 'guide', kind: 'lead_magnet', headline: 'H', body: 'B', assetName: 'Guide', buttonLabel: 'Send', consentText: 'OK' };

describe('visitor-offers check', () => {
  it.each(['offers.example.json', 'demo/offers.demo.json'])('passes %s with a summary', async (path) => {
    const r = await cli(['check', path]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^ok: ${path.replace('.', '\\.')}: \\d+ offers?.*, \\d+ rules?, \\d+ experiments?; pools: \\S+ \\d+ codes\\n$`));
    expect(r.stderr).toBe('');
  });

  it('reads OFFERS_CONFIG when no file is given', async () => {
    const path = write('env.json', JSON.stringify({ offers: [lead] }));
    expect(await cli(['check'], { OFFERS_CONFIG: path })).toMatchObject({ code: 0, stdout: `ok: ${path}: 1 offer, 0 rules, 0 experiments\n` });
  });

  it('names the line and column of a JSON syntax error', async () => {
    const path = write('comma.json', '{\n  "thresholds": {\n    "low": 30,\n  }\n}\n');
    const r = await cli(['check', path]);
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toBe(`${path}: line 4, column 3: not valid JSON: expected a property name in double quotes (a trailing comma?), at "}"\n`);
  });

  it.each([
    ['a comment', '{\n  // my offers\n  "offers": []\n}', 'line 2, column 3: not valid JSON: comments are not allowed in JSON, at "// my offers"'],
    ['an unclosed string', '{"offers": [{"id": "x}]}', 'line 1, column 20: not valid JSON: a string is not closed, at "\\"x}]}"'],
    ['an empty file', '', 'the file is empty: an offers file is a JSON object, at least {}'],
    ['a mistake after a byte-order mark (the mark is not counted)', '\uFEFF{"offers": [}', 'line 1, column 13: not valid JSON: expected a value (a trailing comma?), at "}"'],
  ])('explains %s', async (_label, text, message) => {
    const path = write('syntax.json', text);
    expect((await cli(['check', path])).stderr).toBe(`${path}: ${message}\n`);
  });

  it('suggests the key that was meant', async () => {
    const path = write('typo.json', JSON.stringify({ tresholds: { low: 30 }, offers: [{ ...lead, hedline: 'x' }] }));
    const r = await cli(['check', path]);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')).toEqual([
      `${path}: (top level): unknown key "tresholds" (did you mean "thresholds"?)`,
      `${path}: offers[0]: unknown key "hedline" (did you mean "headline"?)`,
      '',
    ]);
  });

  it('lists every problem, one per line, in file order', async () => {
    const path = write('many.json', JSON.stringify({ bySegment: { low: 'nope' }, rules: [{ id: 'r', then: { offer: 'gone' } }, { id: 'r', then: { offer: null } }] }));
    const r = await cli(['check', path]);
    expect(r.stderr.trim().split('\n')).toEqual([
      `${path}: bySegment.low: names offer "nope", which is not defined`,
      `${path}: rules[0].then.offer: names offer "gone", which is not defined`,
      `${path}: rules[1].id: "r" is already defined by rules[0]`,
    ]);
  });

  it('checks code pool files too', async () => {
    writeFileSync(join(dir, 'codes.txt'), 'A1\nnot a code\n');
    const path = write('pool.json', JSON.stringify({ offers: [{ id: 'save', kind: 'coupon', headline: 'H', body: 'B', discountLabel: '10%', codePool: 'codes.txt' }] }));
    const r = await cli(['check', path]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`${path}: offers[0].codePool: ${join(dir, 'codes.txt')}: line 2: "not a code" is not a code (letters, digits, _ and -)\n`);
  });

  it('passes, with a warning, an offer whose deadline has passed (it would never show)', async () => {
    const path = write('late.json', JSON.stringify({ offers: [{ id: 'sale', kind: 'urgency', headline: 'H', body: 'B', deadline: '2020-01-01T00:00:00Z' }] }));
    const r = await cli(['check', path]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`${path}: offers[0].deadline: warning: 2020-01-01T00:00:00Z has passed, so "sale" is never shown (deadline-passed)\n`);
  });

  it('suggests the offer id a rule meant', async () => {
    const path = write('near.json', JSON.stringify({ offers: [{ ...lead, id: 'launch-week' }], rules: [{ id: 'r', then: { offer: 'launch-weak' } }] }));
    expect((await cli(['check', path])).stderr).toBe(`${path}: rules[0].then.offer: names offer "launch-weak", which is not defined (did you mean "launch-week"?)\n`);
  });

  it('says so when the file cannot be read', async () => {
    const r = await cli(['check', join(dir, 'missing.json')]);
    expect(r).toMatchObject({ code: 1, stderr: `${join(dir, 'missing.json')}: cannot read it (ENOENT)\n` });
  });

  it('is a usage error (exit 2) without a file or OFFERS_CONFIG', async () => {
    const r = await cli(['check']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('give the offers file, or set OFFERS_CONFIG');
  });
});
