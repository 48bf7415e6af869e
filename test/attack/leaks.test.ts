// What the browser can download holds no secret and no personal data: every file the router
// serves from dist/widget (bundles, the dashboard, source maps, licence notices), and the
// sources embedded in the maps — no key of either provider (nor anything DataFast-key-shaped), no
// seeded visitor's personal values nor a PostMetric record's, and no server code (the widget imports types only from the server).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SIMULATED_DATAFAST_DEFAULTS as SIM } from '../../demo/simulated-datafast';
import { SIMULATED_POSTMETRIC_DEFAULTS as PM } from '../../demo/simulated-postmetric';
import { personalValues, postMetricRecordValues } from '../support/forbidden';

const DIR = 'dist/widget'; // built by `npm test` before vitest runs
const files = readdirSync(DIR).filter((f) => !f.endsWith('.json'));

describe('the files a browser can download', () => {
  it.each(files)('%s: no key, token or personal value', (file) => {
    const text = readFileSync(join(DIR, file), 'utf8');
    // The key's shape is refused too: no df_/dft_ key of any site may be in a browser file.
    for (const secret of [SIM.apiKey, SIM.accountToken, PM.apiKey]) expect(text.includes(secret), `${file} holds ${secret}`).toBe(false);
    expect(/\bdft?_[A-Za-z0-9]{8,}/.exec(text)?.[0] ?? null, `${file} holds a key-shaped string`).toBeNull();
    for (const value of [...personalValues(), ...postMetricRecordValues()]) expect(text.includes(value), `${file} holds ${value}`).toBe(false);
  });

  it.each(files.filter((f) => f.endsWith('.map')))('%s: its sources are the widget’s own and the packages it bundles, never the server', (file) => {
    const map = JSON.parse(readFileSync(join(DIR, file), 'utf8')) as { sources: string[] };
    expect(map.sources.length).toBeGreaterThan(0);
    const ours = map.sources.filter((s) => !s.includes('node_modules/'));
    expect(ours.filter((s) => !/(^|\/)widget\//.test(s))).toEqual([]);
  });
});
