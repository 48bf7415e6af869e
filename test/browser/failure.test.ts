// When the decision cannot be had — the server errs, hangs past the 2 s timeout, answers late,
// answers garbage, cannot be reached, or DataFast fails behind it — nothing renders, no script
// logs an error, and the host page is exactly as it would be without the widget (compared with a
// twin page that has no script tag). A 500 or a refused connection still gets the browser's own
// "Failed to load resource" line, which no script can suppress: it is checked to be the only one,
// and the real server never answers /offer with an error (the DataFast fault case).
// The widget's timeouts run on the page's clock, paused before navigation (visitPaused); a slow
// server is one that holds its answer until the test lets it go, so "too late" is exact.
import { createServer } from 'node:net';
import type { Request, Response } from 'express';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { catalogue, coupon } from './offer-catalogue';
import { offerTag, paras } from './host-pages';
import { hostDom, twinDom } from './host-dom';
import { decisionWith, fakeEndpoint } from './fake-endpoints';
import { visitPaused } from './page-clock';
import { armed, debugLine, noDebugLine, widgetState } from './widget-probes';
import { frames } from './layout-probes';
import type { Visit } from './visit';
import { startHarness, type Harness } from './harness';

const GOOD = decisionWith(coupon('welcome-coupon', { trigger: { type: 'immediate' } }));

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe.concurrent('failure modes render nothing and log nothing (headless Chromium)', () => {
  let h: Harness;
  const ep: Record<string, string> = {};
  const hung: Response[] = [];
  /** The answers of the 'late' and 'slow' endpoints, held back until the test sends them. */
  const heldBack: Response[] = [];
  const holder = (): { answer: Promise<Response>; hold: (res: Response) => void } => {
    let hold: (res: Response) => void = () => {};
    const answer = new Promise<Response>((resolve) => (hold = (res) => (heldBack.push(res), resolve(res))));
    return { answer, hold };
  };
  const late = holder();
  const slow = holder();

  beforeAll(async () => {
    h = await startHarness({ decisions: catalogue() });
    const fake = (name: string, offer: ((req: Request, res: Response) => void) | typeof GOOD): void => {
      ep[name] = fakeEndpoint(h, name, { offer }).endpoint;
    };
    fake('error-500', (_req, res) => void res.status(500).json({ error: 'boom' }));
    fake('hangs', (_req, res) => void hung.push(res));
    fake('late', (_req, res) => late.hold(res));
    fake('slow', (_req, res) => slow.hold(res));
    fake('malformed', (_req, res) => void res.type('json').send('{"offer": {"id": "welcome-coupon", "kind": "coupon",'));
    fake('html', (_req, res) => void res.type('html').send('<!doctype html><title>Not found</title><p>Soft 404'));
    fake('wrong-shape', { ...GOOD, offer: { ...GOOD.offer, kind: 'spaceship' } as unknown as typeof GOOD.offer });
    fake('no-headline', { ...GOOD, offer: { ...GOOD.offer, headline: null } as unknown as typeof GOOD.offer });
    fake('bad-experiment', { ...GOOD, experiment: { id: 42 } as unknown as typeof GOOD.experiment });
    fake('unknown-placement', { ...GOOD, offer: { ...GOOD.offer, placement: 'sidebar' } as unknown as typeof GOOD.offer });
    fake('unknown-trigger', { ...GOOD, offer: { ...GOOD.offer, trigger: { type: 'on-full-moon' } } as unknown as typeof GOOD.offer });
    ep.unreachable = `http://127.0.0.1:${await closedPort()}/visitor-offers`;
    // The control: the same fake endpoint machinery with a good answer does show the offer.
    fake('good', GOOD);
  }, 30_000);

  afterAll(async () => {
    for (const res of [...hung, ...heldBack]) res.destroy();
    await h?.close();
  });

  const body = (attrs: Record<string, string | boolean>): string => `<main><h1>Failure</h1>${paras(1, 4)}</main>${offerTag(attrs)}`;

  /** The page with the widget pointed at `endpoint`, and what its twin without the widget looks like. */
  async function visitWith(attrs: Record<string, string | boolean>, paused = false): Promise<{ v: Visit; expected: string }> {
    const title = `Failure ${JSON.stringify(attrs)}`;
    const expected = await twinDom(h, { title, body: body(attrs) });
    const path = h.hostPage({ title, body: body(attrs) });
    const v = paused ? await visitPaused(h, path, { persona: 'low' }) : await h.visit(path, { persona: 'low' });
    return { v, expected };
  }

  /** Sends a held answer now, and waits until it has gone (at once when the browser has already hung up). */
  const send = (res: Response): Promise<void> =>
    new Promise((resolve) => {
      if (res.closed) return resolve();
      res.once('close', () => resolve());
      res.json(GOOD);
    });

  /** Nothing rendered (`armed`: but for the empty, invisible live region of an armed trigger); the page as its twin. */
  async function nothingShown(v: Visit, expected: string, armed = false): Promise<void> {
    await frames(v.page, 2);
    const state = await widgetState(v.page);
    const nothing = armed ? { elements: 1, container: false, live: '', height: 0 } : { elements: 0, container: false, live: null, height: 0 };
    if (JSON.stringify(state) !== JSON.stringify(nothing)) throw new Error(`the widget rendered: ${JSON.stringify(state)}`);
    if ((await hostDom(v.page)) !== expected) throw new Error('the host page changed');
  }

  it('control: a good answer from a fake endpoint is shown', async ({ expect }) => {
    const { v } = await visitWith({ endpoint: ep.good ?? '' });
    await expect.poll(async () => (await widgetState(v.page))?.container).toBe(true);
    await v.close();
  });

  for (const [name, reason] of [
    ['malformed', 'no decision'],
    ['html', 'no decision'],
    ['wrong-shape', 'no decision'],
    ['no-headline', 'no decision'],
    ['bad-experiment', 'no decision'],
    ['unknown-placement', 'unknown placement'],
  ] as const) {
    it(`/offer answers ${name}: nothing, not a single console error`, async ({ expect }) => {
      const { v, expected } = await visitWith({ endpoint: ep[name] ?? '', debug: true });
      await debugLine(v, reason);
      await nothingShown(v, expected);
      expect(v.consoleErrors).toEqual([]);
      await v.close();
    });
  }

  it('an unknown trigger type (a newer server) never fires: nothing visible after a minute of page time, no error', async ({ expect }) => {
    const { v, expected } = await visitWith({ endpoint: ep['unknown-trigger'] ?? '' }, true);
    await armed(v.page);
    await v.page.clock.runFor(60_000);
    await nothingShown(v, expected, true);
    expect(v.consoleErrors).toEqual([]);
    await v.close();
  });

  it('/offer answers 500: nothing; no script logs an error (only the browser’s network line)', async ({ expect }) => {
    const { v, expected } = await visitWith({ endpoint: ep['error-500'] ?? '', debug: true });
    await debugLine(v, 'no offer: no decision');
    await nothingShown(v, expected);
    expect(v.scriptErrors).toEqual([]);
    expect(v.networkErrors).toEqual([expect.stringMatching(/status of 500 .*\/fake\/error-500\/offer\?/)]);
    expect(v.allRequests.filter((r) => r.path.startsWith('/fake/'))).toHaveLength(1); // no events, no retries
    await v.close();
  });

  it('/offer hangs: the widget gives up after its 2 s timeout (not at 1999 ms), renders nothing, logs nothing', async ({ expect }) => {
    const { v, expected } = await visitWith({ endpoint: ep.hangs ?? '', debug: true }, true);
    const failed = v.page.waitForEvent('requestfailed', { predicate: (r) => r.url().includes('/offer?'), timeout: 10_000 });
    const aborted = { yet: false };
    void failed.then(() => (aborted.yet = true), () => {});
    await expect.poll(() => hung.length).toBeGreaterThanOrEqual(1); // the request is at the server; no page time has passed
    await v.page.clock.runFor(1999);
    expect(noDebugLine(v, 'no offer'), 'given up before 2 s').toBe(true);
    expect(aborted.yet).toBe(false);
    await v.page.clock.runFor(1);
    expect((await failed).failure()?.errorText).toMatch(/ABORTED/);
    await debugLine(v, 'no offer: no decision');
    await nothingShown(v, expected);
    expect(v.consoleErrors).toEqual([]);
    await v.close();
  });

  it('/offer answers with an offer after 2.6 s: too late, ignored', async ({ expect }) => {
    const { v, expected } = await visitWith({ endpoint: ep.late ?? '', debug: true }, true);
    const answer = await late.answer; // the request is at the server; no page time has passed
    await v.page.clock.runFor(1999);
    expect(noDebugLine(v, 'no offer'), 'given up before 2 s').toBe(true);
    await v.page.clock.runFor(1);
    await debugLine(v, 'no offer: no decision');
    await v.page.clock.runFor(600);
    await send(answer); // at 2.6 s of page time
    await v.page.clock.runFor(5000);
    await nothingShown(v, expected);
    expect(v.consoleErrors).toEqual([]);
    await v.close();
  });

  it('timeout="500": an answer after 1 s is too late (given up at 500 ms, not at 499 ms)', async ({ expect }) => {
    const { v, expected } = await visitWith({ endpoint: ep.slow ?? '', timeout: '500', debug: true }, true);
    const answer = await slow.answer;
    await v.page.clock.runFor(499);
    expect(noDebugLine(v, 'no offer'), 'given up before 500 ms').toBe(true);
    await v.page.clock.runFor(1);
    await debugLine(v, 'no offer: no decision');
    await v.page.clock.runFor(500);
    await send(answer); // at 1 s of page time
    await v.page.clock.runFor(5000);
    await nothingShown(v, expected);
    expect(v.consoleErrors).toEqual([]);
    await v.close();
  });

  it('the endpoint is unreachable (connection refused): nothing; no script logs an error', async ({ expect }) => {
    const { v, expected } = await visitWith({ endpoint: ep.unreachable ?? '', debug: true });
    await debugLine(v, 'no offer: no decision');
    await nothingShown(v, expected);
    expect(v.scriptErrors).toEqual([]);
    expect(v.networkErrors).toEqual([expect.stringContaining('net::ERR_CONNECTION_REFUSED')]);
    await v.close();
  });

  it('DataFast fails (500 on visitors): the real server answers "no offer", nothing renders, the console stays clean', async ({ expect }) => {
    // A persona this suite never looked up, so no cached answer hides the fault.
    h.sim.setFault({ kind: 'status', status: 500 }, { match: 'visitors' });
    try {
      const title = 'DataFast down';
      const expected = await twinDom(h, { title, body: body({}) });
      const v = await h.visit(h.hostPage({ title, body: body({ debug: true }) }), { persona: 'identified' });
      await debugLine(v, 'no offer: upstream-unavailable');
      await nothingShown(v, expected);
      expect(v.consoleErrors).toEqual([]);
      await v.close();
    } finally {
      h.sim.setFault(null);
    }
  });
});
