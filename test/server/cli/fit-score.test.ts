// `visitor-offers fit-score` as an operator runs it: the built CLI reading a store the server
// wrote — visitors' signals at exposure and their orders — generated from a known model (seeded).
// It prints the fit of scoring/fit-weights.ts on exactly those samples (the recovery of the true
// weights and the 2-point calibration are proven on 60,000 visitors in
// test/server/scoring/fit-weights.test.ts; 800 held-out visitors here are too few for 2 points:
// each decile's observed rate alone varies by ±5 points), its deciles, the weights as options and
// environment, and says when there are too few outcomes to fit on.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../../server/experiments/rng';
import { fitScoreWeights, weightsAsConfig } from '../../../server/scoring/fit-weights';
import { linearScore, sigmoid, type ScoreWeights } from '../../../server/scoring/local-score';
import { REFERRER_CLASSES, type BehaviourSignals } from '../../../server/scoring/signals';
import { openStore } from '../../../server/store/open-store';
import { cli } from './run-cli';

const TRUE: ScoreWeights = { intercept: -2.2, baseline: -2, sessions: 0.6, pageViews: 0.3, recency: 0.5, sessionMinutes: 0.3, pricing: 1.2, checkout: 1.6, search: 0.2, social: -0.5, email: 0.5, paid: 0.1, referral: 0, mobile: -0.6, tablet: -0.2 };
const VISITORS = 4_000;

describe('visitor-offers fit-score', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vo-fit-score-'));
    let t = Date.UTC(2026, 9, 1);
    const store = await openStore({ dataDir: join(dir, 'data'), now: () => t });
    const rng = seededRandom('cli-fit-score');
    for (let i = 0; i < VISITORS; i++) {
      t += 60_000;
      const sessions = 1 + Math.floor(-Math.log(rng()) * 2);
      const signals: BehaviourSignals = {
        sessions,
        pageViews: sessions * (1 + Math.floor(rng() * 5)),
        lastSeenAt: t - Math.floor(rng() ** 3 * 20 * 86_400_000),
        avgSessionSeconds: Math.floor(Math.exp(rng() * 6)),
        visitedPricing: rng() < 0.3,
        visitedCheckout: rng() < 0.1,
        referrerClass: REFERRER_CLASSES[Math.floor(rng() * REFERRER_CLASSES.length)] ?? 'direct',
        device: rng() < 0.6 ? 'desktop' : 'mobile',
      };
      const visitor = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
      await store.recordScoreSignals(visitor, signals);
      if (rng() < sigmoid(linearScore(signals, TRUE, t))) await store.recordOrder({ orderId: `o${i}`, visitorId: visitor, value: 10, currency: 'EUR', source: 'backend' });
    }
    await store.close();
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the calibration by decile and the fitted weights as options and environment: the fit of the samples in the store', async () => {
    const { code, stdout } = await cli(['fit-score'], { DATA_DIR: join(dir, 'data') });
    expect(code).toBe(0);
    const store = await openStore({ dataDir: join(dir, 'data') });
    const expected = fitScoreWeights(await store.scoreSamples());
    await store.close();
    expect(stdout).toContain(`Fitted on 3200 visitors (${expected.conversions} conversions in all); calibration on the 800 kept out of the fit.`);
    const rows = [...stdout.matchAll(/^\s+(\d+)\s+80\s+(\d+\.\d\d) %\s+(\d+\.\d\d) %$/gm)];
    expect(rows).toHaveLength(10);
    rows.forEach((r, i) => {
      expect(Number(r[2])).toBeCloseTo(100 * (expected.calibration.bins[i]?.predicted ?? -1), 2);
      expect(Number(r[3])).toBeCloseTo(100 * (expected.calibration.bins[i]?.observed ?? -1), 2);
    });
    expect(stdout).toContain(`calibration error: ${expected.calibration.errorPoints.toFixed(2)} points`);
    // The deciles rank visitors: the top converts far more than the bottom.
    expect(Number(rows[9]?.[3]) - Number(rows[0]?.[3])).toBeGreaterThan(30);
    const options = JSON.parse(/As options:\n([\s\S]*?)\n\nAs the environment/.exec(stdout)?.[1] ?? 'null') as { localScore: { mode: string; weights: Record<string, number> } };
    expect(options.localScore.mode).toBe('when-missing');
    expect(options.localScore.weights).toEqual(weightsAsConfig(expected.weights));
    // 4,000 visitors pin the strong effects down; each within 0.5 of the truth.
    for (const name of ['pricing', 'checkout', 'mobile', 'sessions'] as const) expect(Math.abs((options.localScore.weights[name] ?? 99) - TRUE[name]), name).toBeLessThan(0.5);
    expect(stdout).toContain(`LOCAL_SCORE=when-missing LOCAL_SCORE_WEIGHTS='${JSON.stringify(options.localScore.weights)}'`);
  });

  it('--json gives the same fit as data', async () => {
    const { code, stdout } = await cli(['fit-score', '--json'], { DATA_DIR: join(dir, 'data') });
    expect(code).toBe(0);
    const body = JSON.parse(stdout) as { fitted: number; heldOut: number; calibration: { bins: unknown[]; errorPoints: number }; weights: Record<string, number> };
    expect(body).toMatchObject({ fitted: 3200, heldOut: 800 });
    expect(body.calibration.bins).toHaveLength(10);
    expect(Object.keys(body.weights)).toContain('checkout');
  });

  it('says so, and exits 1, when there are too few outcomes or no store', async () => {
    const empty = join(dir, 'empty');
    const store = await openStore({ dataDir: empty });
    await store.close();
    const few = await cli(['fit-score'], { DATA_DIR: empty });
    expect(few.code).toBe(1);
    expect(few.stdout).toContain('Not enough outcomes to fit on yet: 0 visitors');
    const none = await cli(['fit-score'], { DATA_DIR: join(dir, 'nowhere') });
    expect(none.code).toBe(1);
    expect(none.stdout).toContain('No data yet');
  });
});
