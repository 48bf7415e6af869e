// Size limits on what DataFast sends, against the simulated DataFast over real sockets: a visitor
// body over 256 kB is refused unread (declared or counted) as that visitor's answer, logged once,
// and never opens the breaker; one just under the limit
// is parsed and cut to the parser's caps; the realtime map has a limit of its own.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { personas } from '../../../demo/personas';
import { hugeRecord, SIMULATED_DATAFAST_DEFAULTS, startSimulatedDataFast, type SimulatedDataFast } from '../../../demo/simulated-datafast';
import { DataFastClient, MAX_REALTIME_BODY_BYTES, MAX_VISITOR_BODY_BYTES } from '../../../server/datafast/client';
import { VISITOR_LIMITS, VISITOR_PARAMS } from '../../../server/datafast/visitor';
import { captureLog, type CapturedLog } from '../../support/log-capture';

const MB = 1024 * 1024;

let sim: SimulatedDataFast;
beforeAll(async () => {
  sim = await startSimulatedDataFast();
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.setFault(null);
  sim.setRealtime(null);
  sim.resetCalls();
});

function setup(): { client: DataFastClient; log: CapturedLog; warnings: () => Array<{ msg: string; cause?: string; bytes?: number }> } {
  const log = captureLog('debug');
  const client = new DataFastClient({ apiKey: SIMULATED_DATAFAST_DEFAULTS.apiKey, apiUrl: sim.url, timeoutMs: 5_000, logger: log.logger, setTimer: () => () => undefined });
  const warnings = () => log.lines.map((l) => JSON.parse(l) as { level: number; msg: string; cause?: string; bytes?: number }).filter((l) => l.level >= 40);
  return { client, log, warnings };
}

describe('a visitor record of 3.5 MB', () => {
  it('is a valid record the simulator really sends (else the refusals below would prove nothing)', () => {
    const text = hugeRecord({ status: 'success', data: personas.high.data }, 3.5 * MB);
    expect(text.length).toBeGreaterThan(3.4 * MB);
    expect(text.length).toBeLessThanOrEqual(3.5 * MB);
    expect((JSON.parse(text) as { data: { visitorId: string } }).data.visitorId).toBe(personas.high.visitorId);
  });

  it('is refused from its Content-Length, before a byte of it is read, and logged once for ten requests; the breaker stays closed', async () => {
    const { client, warnings } = setup();
    sim.setFault({ kind: 'huge-record', bytes: 3.5 * MB }, { match: 'visitors' });
    for (let i = 0; i < 10; i++) expect(await client.getVisitor(personas.high.visitorId)).toEqual({ kind: 'unusable', cause: 'too-large' });
    expect(sim.callCount('visitors')).toBe(10); // not retried, and never refused by an open breaker
    expect(client.breakers.visitors.stats()).toMatchObject({ state: 'closed', opened: 0, failures: { 'too-large': 10 } });
    const lines = warnings();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ cause: 'too-large' });
    expect(lines[0]?.bytes).toBeGreaterThan(3.4 * MB); // the declared length
    expect(lines[0]?.msg).toMatch(/refused unread/);
  });

  it('is refused once the count passes 256 kB when it comes without a length', async () => {
    const { client, warnings } = setup();
    sim.setFault({ kind: 'huge-record', bytes: 3.5 * MB, chunked: true }, { match: 'visitors' });
    expect(await client.getVisitor(personas.high.visitorId)).toEqual({ kind: 'unusable', cause: 'too-large' });
    const bytes = warnings()[0]?.bytes ?? 0;
    expect(bytes).toBeGreaterThan(MAX_VISITOR_BODY_BYTES);
    expect(bytes).toBeLessThanOrEqual(MAX_VISITOR_BODY_BYTES + 64 * 1024); // stopped at the chunk that passed the limit
  });
});

describe('a visitor record just under 256 kB, crammed with goals and params', () => {
  it('is read, and kept cut to the caps', async () => {
    const { client } = setup();
    const body = hugeRecord({ status: 'success', data: personas.customer.data }, 250_000);
    expect(body.length).toBeGreaterThan(240_000);
    const sent = JSON.parse(body) as { data: { activity: { completedGoals: unknown[] }; identity: { params: Record<string, string> } } };
    expect(sent.data.activity.completedGoals.length).toBeGreaterThan(1_000);
    expect(Object.keys(sent.data.identity.params).length).toBeGreaterThan(1_000);

    sim.setFault({ kind: 'huge-record', bytes: 250_000 }, { match: 'visitors' });
    const result = await client.getVisitor(personas.customer.visitorId);
    if (result.kind !== 'found') throw new Error(`expected found, got ${JSON.stringify(result)}`);
    const v = result.visitor;
    expect(v.activity.completedGoals).toHaveLength(VISITOR_LIMITS.goals);
    // The persona's own goals come first, so its payment (what makes a customer) is kept.
    expect(v.activity.completedGoals.map((g) => g.name)).toContain('payment');
    expect(Object.keys(v.identity.params).every((k) => VISITOR_PARAMS.includes(k))).toBe(true);
    expect(Object.values(v.identity.params).every((p) => p.length <= VISITOR_LIMITS.paramValueLength)).toBe(true);
    expect(JSON.stringify(v).length).toBeLessThan(20_000);
  });
});

describe('the realtime map', () => {
  it('has a larger limit of its own: a 3 MB map is refused, a 1 MB one read', async () => {
    const { client } = setup();
    const row = (i: number) => ({ visitorId: `v-${i}`, location: { countryCode: 'DE' }, currentUrl: `/page/${'x'.repeat(200)}`, visitCount: 1 });
    const rowBytes = JSON.stringify(row(0)).length;
    sim.setRealtime({ count: 10, visitors: Array.from({ length: Math.ceil((3 * MB) / rowBytes) }, (_, i) => row(i)), recentEvents: [], recentPayments: [] });
    expect(await client.getRealtimeMap()).toEqual({ kind: 'unavailable', cause: 'too-large' });
    expect(MAX_REALTIME_BODY_BYTES).toBeLessThan(3 * MB);

    sim.setRealtime({ count: 10, visitors: Array.from({ length: Math.floor(MB / rowBytes) }, (_, i) => row(i)), recentEvents: [], recentPayments: [] });
    const result = await client.getRealtimeMap();
    if (result.kind !== 'found') throw new Error(`expected found, got ${JSON.stringify(result)}`);
    expect(result.map.visitors).toHaveLength(1_000); // MAP_LIMITS.rows
  });
});
