// `visitor-offers results` (and `npm run results`) as an operator runs it: the built CLI reading the offers file and the store.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../../server/store/open-store';

const run = promisify(execFile);
const CLI = 'dist/server/cli.js'; // built by `npm test` before vitest runs

describe('npm run results', () => {
  let dir: string;
  let offers: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vo-results-'));
    offers = join(dir, 'offers.json');
    writeFileSync(
      offers,
      JSON.stringify({
        experiments: [
          { id: 'hero-test', variants: [{ id: 'control', weight: 1, offer: null }, { id: 'guide', weight: 1, offer: 'starter-guide' }] },
          { id: 'hero-bandit', allocation: 'thompson', variants: [{ id: 'control', weight: 1, offer: null }, { id: 'guide', weight: 1, offer: 'starter-guide' }] },
        ],
      }),
    );
    const store = await openStore({ dataDir: join(dir, 'data') });
    for (let i = 0; i < 40; i++) {
      const visitor = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
      await store.recordExposure('hero-test', i % 2 === 0 ? 'control' : 'guide', visitor);
      if (i % 4 === 1) await store.recordConversion('hero-test', visitor);
    }
    // The bandit's `guide` converts 30 of 100 visitors, `control` 2 of 100.
    for (let i = 0; i < 200; i++) {
      const visitor = `00000000-0000-4000-9000-${String(i).padStart(12, '0')}`;
      const arm = i < 100 ? 'control' : 'guide';
      await store.recordExposure('hero-bandit', arm, visitor);
      if ((arm === 'control' && i < 2) || (arm === 'guide' && i < 130)) await store.recordConversion('hero-bandit', visitor);
    }
    await store.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the counts kept by the server', async () => {
    const { stdout } = await run(process.execPath, [CLI, 'results'], { env: { PATH: process.env.PATH ?? '', OFFERS_CONFIG: offers, DATA_DIR: join(dir, 'data') } });
    expect(stdout).toContain('Experiment hero-test');
    expect(stdout).toMatch(/control \(control\)\s+\(none\)\s+50%\s+20\s+0\s/);
    expect(stdout).toMatch(/guide\s+starter-guide\s+50%\s+20\s+10\s+50\.00%/);
  });

  it('reports a bandit as one: its weights from the counts (1 % floor), the chance each arm is best, no tests', async () => {
    const { stdout } = await run(process.execPath, [CLI, 'results'], { env: { PATH: process.env.PATH ?? '', OFFERS_CONFIG: offers, DATA_DIR: join(dir, 'data') } });
    const block = stdout.slice(stdout.indexOf('Experiment hero-bandit'));
    expect(block).toMatch(/^Experiment hero-bandit \(running, bandit \(Thompson sampling on conversion rate\)/);
    expect(block).toMatch(/control\s+\(none\)\s+1%\s+100\s+2\s+2\.00%.*\s0\.0%\n/);
    expect(block).toMatch(/guide\s+starter-guide\s+99%\s+100\s+30\s+30\.00%.*\s100\.0%\n/);
    expect(block.split('\n\n')[0]).not.toMatch(/z-test|lift|decision|\(control\)/);
    const { stdout: json } = await run(process.execPath, [CLI, 'results', '--json'], { env: { PATH: process.env.PATH ?? '', OFFERS_CONFIG: offers, DATA_DIR: join(dir, 'data') } });
    const bandit = (JSON.parse(json) as { experiments: Array<{ id: string; allocation: string; variants: Array<{ expectedShare: number; chanceToBeBest: number; vsControl: unknown }> }> }).experiments[1];
    expect(bandit?.allocation).toBe('thompson');
    expect(bandit?.variants.map((v) => v.expectedShare)).toEqual([0.01, 0.99]);
    expect(bandit?.variants.map((v) => v.vsControl)).toEqual([null, null]);
    expect(bandit?.variants[1]?.chanceToBeBest).toBeGreaterThan(0.999);
  });

  it('says there is no data yet for an empty data directory', async () => {
    const { stdout } = await run(process.execPath, [CLI, 'results'], { env: { PATH: process.env.PATH ?? '', OFFERS_CONFIG: offers, DATA_DIR: join(dir, 'none') } });
    expect(stdout).toContain('No data yet');
    expect(stdout).toMatch(/guide\s+starter-guide\s+50%\s+0\s+0/);
  });

  it('stops with one line naming a broken offers file', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"experiments": 3}');
    const err = await run(process.execPath, [CLI, 'results'], { env: { PATH: process.env.PATH ?? '', OFFERS_CONFIG: bad } }).catch((e: { code: number; stderr: string }) => e);
    expect(err).toMatchObject({ code: 1 });
    expect((err as { stderr: string }).stderr.trim().split('\n')).toHaveLength(1);
    expect((err as { stderr: string }).stderr).toContain('experiments');
  });

  it('says when OFFERS_CONFIG is not set, rather than only that there is nothing', async () => {
    const { stdout } = await run(process.execPath, [CLI, 'results'], { env: { PATH: process.env.PATH ?? '', DATA_DIR: join(dir, 'none') } });
    expect(stdout).toContain('OFFERS_CONFIG is not set: the built-in offers run no experiments.');
  });
});
