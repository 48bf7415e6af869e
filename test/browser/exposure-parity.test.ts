// Exposure at the same moment in every arm: an experiment whose offer appears after 10 s, and
// simulated visitors in both arms, half leaving at 5 s and half staying past the trigger. A
// control shows nothing, but runs its stand-in offer's trigger and reports its exposure when the
// offer would have appeared, so the leavers drop out of both arms alike: equal exposure rates.
// Time is Playwright's fake clock (no wall-clock waits); the exposures are the server's own counts,
// recorded through the signed decision each visitor's /offer gave.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assign } from '../../server/experiments/assign';
import type { Experiment } from '../../server/experiments/types';
import { internalsOf } from '../../server/router-internals';
import { uuidFrom } from '../support/visitor-ids';
import { catalogue, coupon } from './offer-catalogue';
import { offerTag } from './host-pages';
import { untilIntersection } from './layout-probes';
import { startHarness, type Harness } from './harness';

const OFFER = 'parity-coupon';
const EXPERIMENT: Experiment = {
  id: 'parity',
  coverage: 1,
  status: 'running',
  variants: [
    { id: 'control', weight: 1, offer: null },
    { id: 'treatment', weight: 1, offer: OFFER },
  ],
};
const PER_ARM = 20;
const TRIGGER_MS = 10_000;
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

/** `n` visitors the real assignment puts in `variant`. */
function visitorsIn(variant: string, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) {
    const id = uuidFrom(`parity-${i}`);
    if (assign(EXPERIMENT, id)?.variantId === variant) out.push(id);
  }
  return out;
}

describe('exposure parity across arms (headless Chromium, fake clock)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({
      sim: { generateUnknown: true },
      decisions: catalogue({ offers: [coupon(OFFER, { placement: 'slide-in', trigger: { type: 'delay', seconds: TRIGGER_MS / 1000 } })], experiments: [EXPERIMENT] }),
    });
  }, 30_000);

  afterAll(async () => {
    await h?.close();
  });

  /**
   * One visit: the page loads with time paused, then time runs to `leaveAtMs`. Returns the
   * exposures the page sent, and `leave` (the page closes, as on navigating away).
   */
  async function visit(path: string, visitorId: string, leaveAtMs: number): Promise<{ sent: number; leave: () => Promise<void> }> {
    const v = await h.visit(path, { visitorId, navigate: false });
    await v.page.clock.install({ time: T0 });
    await v.page.clock.pauseAt(T0 + 60_000); // paused before the page loads: only runFor moves its time
    const decided = v.page.waitForResponse((r) => r.url().includes('/visitor-offers/offer?'));
    await v.page.goto(v.url);
    await (await decided).finished();
    // In steps: whatever task arms the trigger after the answer has run by the later ones.
    for (let t = 1000; t <= leaveAtMs; t += 1000) {
      await v.page.clock.runFor(1000);
      // The offer just shown is "seen" from the browser's intersection report, which comes with a
      // rendered frame in real time, not with page time: page time goes on once it has come.
      if (t === TRIGGER_MS && (await v.page.locator('visitor-offer [part=container]').count()) > 0) {
        await untilIntersection(v.page.locator('visitor-offer [part=container]'), (ratio) => ratio >= 0.5, 10_000);
      }
    }
    return { sent: v.events('exposure').length, leave: () => v.close() };
  }

  /** Exposures the server has counted, both arms together. */
  const counted = async (): Promise<number> => {
    const store = await internalsOf(h.router).store.ready;
    return [...(await store.experimentCounts(EXPERIMENT.id)).values()].reduce((n, arm) => n + arm.exposures, 0);
  };

  it(`${PER_ARM} visitors an arm, half leaving at 5 s and half staying to 20 s, with a 10 s trigger: 10 exposures in each arm`, async () => {
    const path = h.hostPage({ body: `<main><h1>Parity</h1><p>Pricing.</p></main>${offerTag({ page: `/x/${EXPERIMENT.id}` })}` });
    const arms = { control: visitorsIn('control', PER_ARM), treatment: visitorsIn('treatment', PER_ARM) };
    const sent: Record<string, number> = { control: 0, treatment: 0 };
    // Both arms side by side, a few browsers at a time.
    const plan = (['control', 'treatment'] as const).flatMap((arm) => arms[arm].map((id, i) => ({ arm, id, leaveAtMs: i % 2 === 0 ? 5000 : 20_000 })));
    for (let i = 0; i < plan.length; i += 4) {
      const visits = await Promise.all(
        plan.slice(i, i + 4).map(async ({ arm, id, leaveAtMs }) => {
          const v = await visit(path, id, leaveAtMs);
          sent[arm] = (sent[arm] ?? 0) + v.sent;
          return v;
        }),
      );
      // Page time ran in a few real milliseconds: the visitors leave once what their pages sent
      // has arrived (closing at once cut an exposure's request off under load).
      await expect.poll(counted, { timeout: 10_000 }).toBe((sent.control ?? 0) + (sent.treatment ?? 0));
      await Promise.all(visits.map((v) => v.leave()));
    }
    expect(sent).toEqual({ control: PER_ARM / 2, treatment: PER_ARM / 2 });
    // The server's counts: every exposure accepted with its token, once per visitor, in its arm.
    const store = await internalsOf(h.router).store.ready;
    await expect.poll(async () => Object.fromEntries(await store.experimentCounts(EXPERIMENT.id)), { timeout: 10_000 }).toEqual({
      control: { exposures: PER_ARM / 2, conversions: 0 },
      treatment: { exposures: PER_ARM / 2, conversions: 0 },
    });
    // Nothing the server refused (a bad token would be a 400 in the browser's log).
    expect(h.log.text()).not.toMatch(/"level":50/);
  }, 240_000);
});
