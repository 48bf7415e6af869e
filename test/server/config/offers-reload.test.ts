// Changing the offers file without a restart: the router watches `offersFile`, re-reads and
// re-checks it, swaps it in whole or keeps the old one (logging why); a decision in flight keeps the
// offers it started with, and experiments that did not change assign every visitor as before.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { personas } from '../../../demo/personas';
import { SIMULATED_DATAFAST_DEFAULTS as SIM } from '../../../demo/simulated-datafast';
import { assign } from '../../../server/experiments/assign';
import { internalsOf } from '../../../server/router-internals';
import { mountRouter, type MountedRouter } from '../../support/mounted-router';
import { useRouteSuite } from '../../support/route-suite';
import { eventually, waitFor } from '../../support/wait';

const suite = useRouteSuite('reload', { sim: { generateUnknown: true } });

const guide = { id: 'guide', kind: 'lead_magnet' as const, headline: 'Guide v1', body: 'B', assetName: 'Guide', buttonLabel: 'Send', consentText: 'OK' };
const EXPERIMENT = {
  id: 'hero',
  variants: [
    { id: 'control', weight: 1, offer: null },
    { id: 'guide', weight: 1, offer: 'guide' },
  ],
};
const file = (headline: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ offers: [{ ...guide, headline }], rules: [{ id: 'everyone', then: { experiment: 'hero' } }], experiments: [EXPERIMENT], ...extra });

interface Decision {
  offer: { headline: string } | null;
  experiment: { id: string; variant: string } | null;
  reason: string;
}

async function offerFor(m: MountedRouter, visitorId: string): Promise<Decision & { token?: string }> {
  const res = await fetch(`${m.origin}/visitor-offers/offer?path=/`, { headers: { cookie: `datafast_visitor_id=${visitorId}` } });
  return (await res.json()) as Decision;
}

async function mountWithFile(text: string): Promise<{ m: MountedRouter; path: string }> {
  const dir = mkdtempSync(join(suite.baseDir, 'offers-'));
  const path = join(dir, 'offers.json');
  writeFileSync(path, text);
  const m = suite.track(await mountRouter({ datafast: { apiKey: SIM.apiKey, apiUrl: suite.sim.url }, offersFile: path, dataDir: join(dir, 'data'), logger: suite.log.logger }));
  return { m, path };
}

describe('a watched offers file', () => {
  it('is re-read when it changes: new decisions use the new offers, health says when', async () => {
    const { m, path } = await mountWithFile(file('Guide v1'));
    const loadedAt = m.router.health().offers.loadedAt;
    const ids = Array.from({ length: 40 }, () => randomUUID());
    const before = await Promise.all(ids.map((id) => offerFor(m, id)));
    const shown = before.filter((d) => d.offer !== null);
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.every((d) => d.offer?.headline === 'Guide v1')).toBe(true);

    writeFileSync(path, file('Guide v2'));
    const guided = ids[before.indexOf(shown[0] as Decision)] as string;
    await eventually(async () => (await offerFor(m, guided)).offer?.headline === 'Guide v2', 'the new headline');
    expect(m.router.health().offers).toMatchObject({ source: 'file', file: path, watchedFiles: [path], lastReloadError: null });
    expect(m.router.health().offers.loadedAt).not.toBe(loadedAt);
    expect(suite.log.text()).toContain('offers file reloaded');

    // The experiment did not change: every visitor keeps their variant.
    const after = await Promise.all(ids.map((id) => offerFor(m, id)));
    expect(after.map((d) => d.experiment)).toEqual(before.map((d) => d.experiment));
    expect(after.filter((d) => d.offer !== null).every((d) => d.offer?.headline === 'Guide v2')).toBe(true);
  });

  it.each([
    ['broken JSON', '{"offers": [', /: line 1, column 13: not valid JSON: expected "\]", at the end of the file$/],
    ['a misspelt key', file('Guide v2', { bySegmnt: {} }), /unknown key "bySegmnt" \(did you mean "bySegment"\?\)/],
    ['an offer a rule cannot find', JSON.stringify({ rules: [{ id: 'r', then: { offer: 'gone' } }] }), /rules\[0\]\.then\.offer: names offer "gone"/],
  ])('rejects %s: logged with its place, the old offers stay in use', async (_label, bad, problem) => {
    const { m, path } = await mountWithFile(file('Guide v1'));
    const visitor = personas.low.visitorId;
    const first = await offerFor(m, visitor);
    writeFileSync(path, bad);
    await waitFor(() => m.router.health().offers.lastReloadError !== null, 'the reload to be rejected');
    expect(m.router.health().offers.lastReloadError).toMatch(problem);
    expect(suite.log.lines.some((l) => l.includes('offers file rejected') && l.includes('"level":50'))).toBe(true);
    // The same decision (its token is signed anew each time, with its own issue time).
    expect({ ...(await offerFor(m, visitor)), token: undefined }).toEqual({ ...first, token: undefined });

    // Fixed again: taken, and the error is cleared.
    writeFileSync(path, file('Guide v3'));
    await waitFor(() => m.router.health().offers.lastReloadError === null, 'the fixed file to be taken');
  });

  it('lets a decision in flight finish with the offers it started with', async () => {
    const { m, path } = await mountWithFile(file('Guide v1'));
    // A visitor the router has not seen yet, in the arm that shows the guide.
    const experiment = internalsOf(m.router).offers.current.policy.experiments.get('hero');
    let fresh = randomUUID();
    while (experiment && assign(experiment, fresh)?.variantId !== 'guide') fresh = randomUUID();
    suite.sim.setFault({ kind: 'delay', ms: 300 }, { match: 'visitors' });
    const pending = offerFor(m, fresh);
    await waitFor(() => suite.sim.callCount('visitors') === 1, 'DataFast to be asked about the visitor');
    writeFileSync(path, file('Guide v2'));
    expect(internalsOf(m.router).offers.reload()).toEqual({ ok: true, changed: true });
    expect((await pending).offer?.headline).toBe('Guide v1');
    expect((await offerFor(m, fresh)).offer?.headline).toBe('Guide v2');
  });

  it('is not watched when watchOffersFile is false (a reload is then explicit: SIGHUP on the server)', async () => {
    const dir = mkdtempSync(join(suite.baseDir, 'offers-'));
    const path = join(dir, 'offers.json');
    writeFileSync(path, file('Guide v1'));
    const m = suite.track(
      await mountRouter({ datafast: { apiKey: SIM.apiKey, apiUrl: suite.sim.url }, offersFile: path, watchOffersFile: false, dataDir: join(dir, 'data'), logger: suite.log.logger }),
    );
    expect(m.router.health().offers.watchedFiles).toEqual([]);
    const loadedAt = m.router.health().offers.loadedAt;
    writeFileSync(path, file('Guide v2'));
    expect(internalsOf(m.router).offers.reload('SIGHUP')).toEqual({ ok: true, changed: true });
    expect(m.router.health().offers.loadedAt).not.toBe(loadedAt);
  });
});

describe('inline offers', () => {
  it('never change: a reload is a no-op and health says they are inline', async () => {
    const m = suite.track(await mountRouter({ datafast: { apiKey: SIM.apiKey, apiUrl: suite.sim.url }, offers: [guide], dataDir: join(suite.baseDir, 'inline'), logger: suite.log.logger }));
    expect(internalsOf(m.router).offers.reload()).toEqual({ ok: true, changed: false });
    expect(m.router.health().offers).toMatchObject({ source: 'inline', file: null, lastReloadError: null });
  });
});
