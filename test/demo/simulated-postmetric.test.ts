// The simulated PostMetric speaks PostMetric's documented API over real HTTP: Bearer auth, the
// envelope and its errors, 100 requests a minute per key with X-RateLimit-* headers, goals, faults.
import { afterEach, describe, expect, it } from 'vitest';
import { POSTMETRIC_PERSONA_IDS } from '../../demo/postmetric-personas';
import { SIMULATED_POSTMETRIC_DEFAULTS, startSimulatedPostMetric, type SimulatedPostMetric } from '../../demo/simulated-postmetric';
import { parsePostMetricVisitor } from '../../server/postmetric/visitor';

const started: SimulatedPostMetric[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});
async function start(options: Parameters<typeof startSimulatedPostMetric>[0] = {}): Promise<SimulatedPostMetric> {
  const sim = await startSimulatedPostMetric(options);
  started.push(sim);
  return sim;
}
const AUTH = { authorization: `Bearer ${SIMULATED_POSTMETRIC_DEFAULTS.apiKey}` };
const get = (sim: SimulatedPostMetric, query: string, headers: Record<string, string> = AUTH) => fetch(`${sim.url}/api/v1/visitor${query}`, { headers });

describe('the simulated PostMetric', () => {
  it('answers a seeded visitor in the documented shape, which the mapper reads', async () => {
    const sim = await start();
    const res = await get(sim, `?visitorId=${POSTMETRIC_PERSONA_IDS.docsExample}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; data: { sessionCount: number } };
    expect(body.status).toBe('success');
    expect(body.data.sessionCount).toBe(5);
    expect(parsePostMetricVisitor(body)?.visitorId).toBe('visitor_123');
  });

  it('answers the documented errors: 400 without an id, 401 without the key, 404 for a stranger', async () => {
    const sim = await start();
    expect(await (await get(sim, '')).json()).toEqual({ status: 'error', error: { code: 400, message: 'visitorId parameter is required' } });
    expect((await get(sim, '?visitorId=visitor_123', {})).status).toBe(401);
    expect(await (await get(sim, '?visitorId=visitor_123', { authorization: 'Bearer wrong' })).json()).toEqual({ status: 'error', error: { code: 401, message: 'Unauthorized. Invalid or missing API key.' } });
    expect((await get(sim, `?visitorId=${POSTMETRIC_PERSONA_IDS.unknown}`)).status).toBe(404);
  });

  it('allows 100 requests a minute, counting down X-RateLimit-Remaining, then 429 until the window resets', async () => {
    let now = 1_800_000_000_000;
    const sim = await start({ now: () => now });
    for (let i = 1; i <= 100; i++) {
      const res = await get(sim, '?visitorId=visitor_123');
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-remaining')).toBe(String(100 - i));
    }
    const limited = await get(sim, '?visitorId=visitor_123');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-ratelimit-limit')).toBe('100');
    expect(limited.headers.get('x-ratelimit-reset')).toBe(String((now + 60_000) / 1000));
    now += 60_000;
    expect((await get(sim, '?visitorId=visitor_123')).status).toBe(200);
  });

  it('records goals posted to /api/v1/goal and checks them', async () => {
    const sim = await start();
    const post = (body: unknown) => fetch(`${sim.url}/api/v1/goal`, { method: 'POST', headers: { ...AUTH, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post({ event: 'offer_click', visitorId: 'visitor_123', value: 5 })).status).toBe(200);
    expect(await (await post({ visitorId: 'visitor_123' })).json()).toEqual({ status: 'error', error: { code: 400, message: 'event parameter is required' } });
    expect(sim.goals).toMatchObject([{ event: 'offer_click', visitorId: 'visitor_123', value: 5 }]);
    expect(sim.callCount('goals')).toBe(2);
  });

  it('generates a record for any valid id with generateUnknown, and takes faults', async () => {
    const sim = await start({ generateUnknown: true });
    expect((await get(sim, '?visitorId=pm_anyone')).status).toBe(200);
    sim.setFault({ kind: 'status', status: 503 }, { times: 1 });
    expect((await get(sim, '?visitorId=pm_anyone')).status).toBe(503);
    expect((await get(sim, '?visitorId=pm_anyone')).status).toBe(200);
  });
});
