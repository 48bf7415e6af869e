// The README's screenshot grid: every kind × placement × scheme × device that `npm run
// screenshots` takes is committed and shown in the README, and nothing stale is left beside them.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SHOT_DEVICES, SHOT_KINDS, SHOT_PLACEMENTS, SHOT_SCHEMES, shotFile } from '../../demo/screenshots';

const DIR = 'docs/screenshots/widget';
const files = SHOT_KINDS.flatMap((k) => SHOT_PLACEMENTS.flatMap((p) => SHOT_SCHEMES.flatMap((s) => Object.keys(SHOT_DEVICES).map((d) => shotFile(k, p, s, d)))));

describe('screenshots', () => {
  it('covers every kind × placement × light/dark × desktop/phone (48 pictures)', () => {
    expect(files).toHaveLength(3 * 4 * 2 * 2);
    for (const f of files) expect(existsSync(`${DIR}/${f}`), f).toBe(true);
    expect(readdirSync(DIR).sort()).toEqual([...files].sort());
  });

  it('the README shows every one of them', () => {
    const readme = readFileSync('README.md', 'utf8');
    for (const f of files) expect(readme, f).toContain(`<img src="${DIR}/${f}"`);
  });
});
