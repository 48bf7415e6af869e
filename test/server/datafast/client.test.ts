// The DataFast client against the simulated DataFast API over real sockets: which credential and
// query it sends, how every documented answer and every failure maps to an outcome, its deadline,
// its single careful retry, its 429 pause, and that its logs never carry a secret.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { personas, realtimeSeed } from '../../../demo/personas';
import type { Persona, PersonaName } from '../../../demo/personas';
import { SIMULATED_DATAFAST_DEFAULTS, startSimulatedDataFast } from '../../../demo/simulated-datafast';
import type { SimulatedDataFast } from '../../../demo/simulated-datafast';
import { DataFastClient } from '../../../server/datafast/client';
import type { DataFastClientOptions } from '../../../server/datafast/client';
import type { VisitorLookup } from '../../../server/datafast/lookup';
import { createLogger } from '../../../server/logger';
import { personalValues } from '../../support/forbidden';

const { apiKey, accountToken, websiteId } = SIMULATED_DATAFAST_DEFAULTS;
const WRONG_KEY = 'df_wrong_key_4b1d7c9e0a';
const OTHER_WEBSITE_ID = '665f0b3c4d2e1a0099999999';

/** Every credential string used in this file: none may ever appear in a log line. */
const SECRETS = [apiKey, accountToken, WRONG_KEY];

/** Small deadline for the fault tests; the margin allows for a loaded CI machine. */
const TIMEOUT_MS = 300;
const DEADLINE_MARGIN_MS = 700;

// ---------------------------------------------------------------------------------------------
// Log capture: every logger in this file writes here, and each test is checked for secrets.

interface LogLine {
  level: number;
  msg: string;
  raw: string;
}

const fileLog: string[] = [];
let testLog: string[] = [];

function parseLines(lines: string[]): LogLine[] {
  return lines.map((raw) => {
    const obj = JSON.parse(raw) as { level: number; msg: string };
    return { level: obj.level, msg: obj.msg, raw };
  });
}

afterEach(() => {
  const lines = testLog;
  testLog = [];
  for (const line of lines) {
    for (const secret of SECRETS) expect(line, 'a log line contains a credential').not.toContain(secret);
    expect(line).not.toMatch(/Bearer/i);
  }
});

/** A real client wired to a real pino logger whose lines are kept. */
function makeClient(apiUrl: string, overrides: Partial<DataFastClientOptions> = {}): { client: DataFastClient; lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({
    level: 'debug',
    destination: {
      write(s: string): void {
        lines.push(s);
        testLog.push(s);
        fileLog.push(s);
      },
    },
  });
  const client = new DataFastClient({ apiKey, apiUrl, logger, ...overrides });
  return { client, lines };
}

/** One simulator per describe block; faults, calls and the realtime override reset before each test. */
function useSimulator(): { readonly sim: SimulatedDataFast } {
  let current: SimulatedDataFast | undefined;
  beforeAll(async () => {
    current = await startSimulatedDataFast();
  });
  afterAll(async () => {
    await current?.close();
  });
  beforeEach(() => {
    current?.setFault(null);
    current?.setRealtime(null);
    current?.resetCalls();
  });
  return {
    get sim(): SimulatedDataFast {
      if (!current) throw new Error('simulator not started');
      return current;
    },
  };
}

async function timed<T>(fn: () => Promise<T>): Promise<{ result: T; elapsed: number }> {
  const start = performance.now();
  const result = await fn();
  return { result, elapsed: performance.now() - start };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const FOUND_PERSONAS = (Object.keys(personas) as PersonaName[]).filter((n) => personas[n].status === 200);
const ALL_PERSONAS = Object.keys(personas) as PersonaName[];

function expectedKind(p: Persona): VisitorLookup['kind'] {
  if (p.status === 400) return 'bot';
  if (p.status === 404) return 'unknown';
  return 'found';
}

// ---------------------------------------------------------------------------------------------

describe('with a df_ website key', () => {
  const ctx = useSimulator();

  it('sends the key as a Bearer token and no websiteId in the query', async () => {
    const { client } = makeClient(ctx.sim.url);
    await client.getVisitor(personas.average.visitorId);
    await client.getRealtimeMap();
    expect(ctx.sim.calls).toHaveLength(2);
    for (const call of ctx.sim.calls) {
      expect(call.authorization).toBe(`Bearer ${apiKey}`);
      expect(call.query).toEqual({});
    }
  });

  it('ignores a configured websiteId (the key already names its website)', async () => {
    const { client } = makeClient(ctx.sim.url, { websiteId });
    await client.getVisitor(personas.high.visitorId);
    expect(ctx.sim.calls).toHaveLength(1);
    expect(ctx.sim.calls[0]?.query).toEqual({});
  });

  it.each(ALL_PERSONAS)('answers persona %s according to its status (200 found, 400 bot, 404 unknown)', async (name) => {
    const persona = personas[name];
    const { client } = makeClient(ctx.sim.url);
    const result = await client.getVisitor(persona.visitorId);
    expect(result.kind).toBe(expectedKind(persona));
    if (result.kind === 'found') expect(result.visitor.visitorId).toBe(persona.visitorId);
    expect(ctx.sim.callCount('visitors')).toBe(1);
  });

  it('reads the prediction of a found visitor', async () => {
    const { client } = makeClient(ctx.sim.url);
    const result = await client.getVisitor(personas.high.visitorId);
    expect(result).toMatchObject({ kind: 'found', visitor: { prediction: { score: 84, confidence: 0.88 } } });
  });

  it('answers an id that is not a UUID v4 as bot (DataFast answers 400) and keeps it inside the visitors path', async () => {
    const { client } = makeClient(ctx.sim.url);
    expect(await client.getVisitor('not-a-uuid')).toEqual({ kind: 'bot' });
    expect(await client.getVisitor('../analytics/realtime/map')).toEqual({ kind: 'bot' });
    expect(ctx.sim.callCount('visitors')).toBe(2);
    expect(ctx.sim.callCount('realtime')).toBe(0);
  });

  it('works with a apiUrl that ends in a slash', async () => {
    for (const apiUrl of [`${ctx.sim.url}/`, `${ctx.sim.url}///`]) {
      const { client } = makeClient(apiUrl);
      const visitor = await client.getVisitor(personas.low.visitorId);
      expect(visitor.kind).toBe('found');
      expect((await client.getRealtimeMap()).kind).toBe('found');
    }
    expect(ctx.sim.calls.map((c) => c.path)).toEqual([
      `/api/v1/visitors/${personas.low.visitorId}`,
      '/api/v1/analytics/realtime/map',
      `/api/v1/visitors/${personas.low.visitorId}`,
      '/api/v1/analytics/realtime/map',
    ]);
  });
});

describe('with a dft_ account token', () => {
  const ctx = useSimulator();

  it('cannot be constructed without a websiteId, and the error does not reveal the token', () => {
    const logger = createLogger({ level: 'silent' });
    for (const id of [undefined, '']) {
      let error: unknown;
      try {
        new DataFastClient({ apiKey: accountToken, apiUrl: ctx.sim.url, logger, ...(id === undefined ? {} : { websiteId: id }) });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(Error);
      expect(String((error as Error).message)).toMatch(/DATAFAST_WEBSITE_ID/);
      expect(String((error as Error).message)).not.toContain(accountToken);
    }
  });

  it('sends the token as a Bearer token and ?websiteId= on visitor and realtime-map calls', async () => {
    const { client } = makeClient(ctx.sim.url, { apiKey: accountToken, websiteId });
    expect((await client.getVisitor(personas.average.visitorId)).kind).toBe('found');
    expect((await client.getRealtimeMap()).kind).toBe('found');
    expect(ctx.sim.calls).toHaveLength(2);
    for (const call of ctx.sim.calls) {
      expect(call.authorization).toBe(`Bearer ${accountToken}`);
      expect(call.query).toEqual({ websiteId });
    }
  });

  it('sends ?websiteId= on a retry too', async () => {
    const { client } = makeClient(ctx.sim.url, { apiKey: accountToken, websiteId, timeoutMs: 1500 });
    ctx.sim.setFault({ kind: 'status', status: 503 }, { times: 1 });
    expect((await client.getVisitor(personas.low.visitorId)).kind).toBe('found');
    expect(ctx.sim.calls).toHaveLength(2);
    for (const call of ctx.sim.calls) expect(call.query).toEqual({ websiteId });
  });

  it.each(ALL_PERSONAS)('answers persona %s according to its status', async (name) => {
    const persona = personas[name];
    const { client } = makeClient(ctx.sim.url, { apiKey: accountToken, websiteId });
    const result = await client.getVisitor(persona.visitorId);
    expect(result.kind).toBe(expectedKind(persona));
    expect(ctx.sim.calls[0]?.query).toEqual({ websiteId });
  });
});

describe('when DataFast is slow or silent', () => {
  const ctx = useSimulator();

  it('gives up on a hung request with cause "timeout" within its deadline, without a retry', async () => {
    const { client } = makeClient(ctx.sim.url, { timeoutMs: TIMEOUT_MS });
    ctx.sim.setFault({ kind: 'hang' });
    const { result, elapsed } = await timed(() => client.getVisitor(personas.average.visitorId));
    expect(result).toEqual({ kind: 'unavailable', cause: 'timeout' });
    expect(elapsed).toBeLessThan(TIMEOUT_MS + DEADLINE_MARGIN_MS);
    expect(ctx.sim.calls).toHaveLength(1);
  });

  it('gives up with cause "timeout" when the answer comes later than the deadline', async () => {
    const { client } = makeClient(ctx.sim.url, { timeoutMs: TIMEOUT_MS });
    ctx.sim.setFault({ kind: 'delay', ms: 3000 });
    const { result, elapsed } = await timed(() => client.getVisitor(personas.average.visitorId));
    expect(result).toEqual({ kind: 'unavailable', cause: 'timeout' });
    expect(elapsed).toBeLessThan(TIMEOUT_MS + DEADLINE_MARGIN_MS);
    expect(ctx.sim.calls).toHaveLength(1);
  });

  it('waits for a slow answer that still arrives within the deadline', async () => {
    const { client } = makeClient(ctx.sim.url, { timeoutMs: 2000 });
    ctx.sim.setFault({ kind: 'delay', ms: 100 });
    const result = await client.getVisitor(personas.average.visitorId);
    expect(result.kind).toBe('found');
  });

  it('times out the realtime map the same way', async () => {
    const { client } = makeClient(ctx.sim.url, { timeoutMs: TIMEOUT_MS });
    ctx.sim.setFault({ kind: 'hang' }, { match: 'realtime' });
    const { result, elapsed } = await timed(() => client.getRealtimeMap());
    expect(result).toEqual({ kind: 'unavailable', cause: 'timeout' });
    expect(elapsed).toBeLessThan(TIMEOUT_MS + DEADLINE_MARGIN_MS);
  });
});

describe('when DataFast answers with a server error', () => {
  const ctx = useSimulator();

  it('answers 500 with cause "server-error" and does not retry', async () => {
    const { client } = makeClient(ctx.sim.url, { timeoutMs: TIMEOUT_MS });
    ctx.sim.setFault({ kind: 'status', status: 500 });
    const { result, elapsed } = await timed(() => client.getVisitor(personas.average.visitorId));
    expect(result).toEqual({ kind: 'unavailable', cause: 'server-error' });
    expect(elapsed).toBeLessThan(TIMEOUT_MS + DEADLINE_MARGIN_MS);
    expect(ctx.sim.calls).toHaveLength(1);
  });

  it.each([502, 503, 504])('retries %i once and answers "server-error" when the retry fails too, within the deadline', async (status) => {
    const { client } = makeClient(ctx.sim.url, { timeoutMs: TIMEOUT_MS });
    ctx.sim.setFault({ kind: 'status', status });
    const { result, elapsed } = await timed(() => client.getVisitor(personas.average.visitorId));
    expect(result).toEqual({ kind: 'unavailable', cause: 'server-error' });
    expect(elapsed).toBeLessThan(TIMEOUT_MS + DEADLINE_MARGIN_MS);
    expect(ctx.sim.calls).toHaveLength(2);
  });

  it.each([502, 503, 504])('retries %i once, after a short pause, and succeeds when the retry succeeds', async (status) => {
    const { client } = makeClient(ctx.sim.url, { timeoutMs: 1500 });
    ctx.sim.setFault({ kind: 'status', status }, { times: 1 });
    const result = await client.getVisitor(personas.high.visitorId);
    expect(result.kind).toBe('found');
    expect(ctx.sim.calls).toHaveLength(2);
    const [first, second] = ctx.sim.calls;
    // The client sleeps at least 50 ms of jitter between the two attempts.
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(45);
  });

  it('answers a realtime-map server error with unavailable', async () => {
    const { client } = makeClient(ctx.sim.url, { timeoutMs: TIMEOUT_MS });
    ctx.sim.setFault({ kind: 'status', status: 500 }, { match: 'realtime' });
    expect(await client.getRealtimeMap()).toEqual({ kind: 'unavailable', cause: 'server-error' });
    expect(ctx.sim.callCount('realtime')).toBe(1);
  });

  it('logs a server error as a warning', async () => {
    const { client, lines } = makeClient(ctx.sim.url, { timeoutMs: TIMEOUT_MS });
    ctx.sim.setFault({ kind: 'status', status: 500 });
    await client.getVisitor(personas.average.visitorId);
    const warnings = parseLines(lines).filter((l) => l.level === 40);
    expect(warnings.length).toBeGreaterThanOrEqual(1);
  });
});

describe('when the connection is reset', () => {
  const ctx = useSimulator();

  it('retries once and answers "network" when both attempts are reset, within the deadline', async () => {
    const { client } = makeClient(ctx.sim.url, { timeoutMs: TIMEOUT_MS });
    ctx.sim.setFault({ kind: 'reset' });
    const { result, elapsed } = await timed(() => client.getVisitor(personas.average.visitorId));
    expect(result).toEqual({ kind: 'unavailable', cause: 'network' });
    expect(elapsed).toBeLessThan(TIMEOUT_MS + DEADLINE_MARGIN_MS);
    expect(ctx.sim.calls).toHaveLength(2);
  });

  it('retries once and answers found when the second attempt succeeds', async () => {
    const { client } = makeClient(ctx.sim.url, { timeoutMs: 1500 });
    ctx.sim.setFault({ kind: 'reset' }, { times: 1 });
    const result = await client.getVisitor(personas.customer.visitorId);
    expect(result.kind).toBe('found');
    expect(ctx.sim.calls).toHaveLength(2);
  });

  it('answers "network" when nothing listens at the base URL', async () => {
    const closed = await startSimulatedDataFast();
    const url = closed.url;
    await closed.close();
    const { client } = makeClient(url, { timeoutMs: TIMEOUT_MS });
    const { result, elapsed } = await timed(() => client.getVisitor(personas.average.visitorId));
    expect(result).toEqual({ kind: 'unavailable', cause: 'network' });
    expect(elapsed).toBeLessThan(TIMEOUT_MS + DEADLINE_MARGIN_MS);
  });
});

describe('when DataFast sends a body we cannot read', () => {
  const ctx = useSimulator();

  it('answers a cut-off JSON body as an unusable record ("malformed") and does not retry', async () => {
    const { client } = makeClient(ctx.sim.url, { timeoutMs: TIMEOUT_MS });
    ctx.sim.setFault({ kind: 'malformed-json' });
    expect(await client.getVisitor(personas.average.visitorId)).toEqual({ kind: 'unusable', cause: 'malformed' });
    expect(ctx.sim.calls).toHaveLength(1);
  });

  it('answers a visitor record without visitorId as unusable ("malformed"), and logs a warning', async () => {
    const id = '0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d';
    const { visitorId: _dropped, ...rest } = personas.average.data ?? {};
    ctx.sim.addVisitor({ ...personas.average, visitorId: id, data: rest });
    const { client, lines } = makeClient(ctx.sim.url);
    expect(await client.getVisitor(id)).toEqual({ kind: 'unusable', cause: 'malformed' });
    expect(ctx.sim.calls).toHaveLength(1);
    expect(parseLines(lines).some((l) => l.level === 40)).toBe(true);
  });

  it('answers a success envelope with null data as unusable ("malformed")', async () => {
    const id = '1b2c3d4e-5f6a-4b7c-9d8e-9f0a1b2c3d4e';
    ctx.sim.addVisitor({ ...personas.average, visitorId: id, data: null });
    const { client } = makeClient(ctx.sim.url);
    expect(await client.getVisitor(id)).toEqual({ kind: 'unusable', cause: 'malformed' });
  });

  it('answers a cut-off realtime map with cause "malformed"', async () => {
    const { client } = makeClient(ctx.sim.url, { timeoutMs: TIMEOUT_MS });
    ctx.sim.setFault({ kind: 'malformed-json' }, { match: 'realtime' });
    expect(await client.getRealtimeMap()).toEqual({ kind: 'unavailable', cause: 'malformed' });
    expect(ctx.sim.callCount('realtime')).toBe(1);
  });

  it('answers a realtime map without a count with cause "malformed"', async () => {
    const { count: _dropped, ...rest } = realtimeSeed();
    ctx.sim.setRealtime(rest);
    const { client } = makeClient(ctx.sim.url);
    expect(await client.getRealtimeMap()).toEqual({ kind: 'unavailable', cause: 'malformed' });
  });
});

describe('when DataFast rate-limits (429)', () => {
  const ctx = useSimulator();

  it('answers "rate-limited" after exactly one call, fails fast with "paused" and no upstream call until Retry-After passes', async () => {
    const { client } = makeClient(ctx.sim.url, { timeoutMs: TIMEOUT_MS });
    ctx.sim.setFault({ kind: 'rate-limit', retryAfterSeconds: 1 }, { times: 1 });
    expect(client.pausedUntil).toBe(0);

    const before = Date.now();
    expect(await client.getVisitor(personas.average.visitorId)).toEqual({ kind: 'unavailable', cause: 'rate-limited' });
    const after = Date.now();
    expect(ctx.sim.calls).toHaveLength(1);
    expect(client.pausedUntil).toBeGreaterThanOrEqual(before + 1000);
    expect(client.pausedUntil).toBeLessThanOrEqual(after + 1000);

    for (let i = 0; i < 3; i++) {
      const { result, elapsed } = await timed(() => client.getVisitor(personas.high.visitorId));
      expect(result).toEqual({ kind: 'unavailable', cause: 'paused' });
      expect(elapsed).toBeLessThan(100);
    }
    expect(await client.getRealtimeMap()).toEqual({ kind: 'unavailable', cause: 'paused' });
    expect(ctx.sim.calls).toHaveLength(1);

    await sleep(Math.max(0, client.pausedUntil - Date.now()) + 100);
    expect(client.pausedUntil).toBe(0);
    expect((await client.getVisitor(personas.high.visitorId)).kind).toBe('found');
    expect(ctx.sim.calls).toHaveLength(2);
  });

  it('pauses for defaultRetryAfterMs when the 429 has no Retry-After', async () => {
    const { client } = makeClient(ctx.sim.url, { timeoutMs: TIMEOUT_MS, defaultRetryAfterMs: 400 });
    ctx.sim.setFault({ kind: 'rate-limit' }, { times: 1 });
    const before = Date.now();
    expect(await client.getRealtimeMap()).toEqual({ kind: 'unavailable', cause: 'rate-limited' });
    const after = Date.now();
    expect(ctx.sim.calls).toHaveLength(1);
    expect(client.pausedUntil).toBeGreaterThanOrEqual(before + 400);
    expect(client.pausedUntil).toBeLessThanOrEqual(after + 400);
    expect(await client.getVisitor(personas.low.visitorId)).toEqual({ kind: 'unavailable', cause: 'paused' });
    expect(ctx.sim.calls).toHaveLength(1);
  });

  it('caps a long Retry-After at maxPauseMs', async () => {
    const { client } = makeClient(ctx.sim.url, { timeoutMs: TIMEOUT_MS, maxPauseMs: 500 });
    ctx.sim.setFault({ kind: 'rate-limit', retryAfterSeconds: 3600 }, { times: 1 });
    const before = Date.now();
    await client.getVisitor(personas.low.visitorId);
    const after = Date.now();
    expect(client.pausedUntil).toBeGreaterThanOrEqual(before + 500);
    expect(client.pausedUntil).toBeLessThanOrEqual(after + 500);
  });

  it('logs the 429 as a warning', async () => {
    const { client, lines } = makeClient(ctx.sim.url, { timeoutMs: TIMEOUT_MS });
    ctx.sim.setFault({ kind: 'rate-limit', retryAfterSeconds: 1 }, { times: 1 });
    await client.getVisitor(personas.low.visitorId);
    expect(parseLines(lines).filter((l) => l.level === 40)).toHaveLength(1);
  });

  // The simulator only sends Retry-After as delta-seconds, so an HTTP-date Retry-After cannot be
  // exercised end to end here.
});

describe('when DataFast refuses the credential', () => {
  const ctx = useSimulator();

  it('answers a wrong df_ key (401) with cause "auth" on visitors and the realtime map', async () => {
    const { client } = makeClient(ctx.sim.url, { apiKey: WRONG_KEY });
    expect(await client.getVisitor(personas.average.visitorId)).toEqual({ kind: 'unavailable', cause: 'auth' });
    expect(await client.getRealtimeMap()).toEqual({ kind: 'unavailable', cause: 'auth' });
    // A refusal is not retried.
    expect(ctx.sim.calls).toHaveLength(2);
  });

  it('answers a dft_ token with the wrong websiteId (403) with cause "auth"', async () => {
    const { client } = makeClient(ctx.sim.url, { apiKey: accountToken, websiteId: OTHER_WEBSITE_ID });
    expect(await client.getVisitor(personas.average.visitorId)).toEqual({ kind: 'unavailable', cause: 'auth' });
    expect(await client.getRealtimeMap()).toEqual({ kind: 'unavailable', cause: 'auth' });
    expect(ctx.sim.calls).toHaveLength(2);
  });

  it.each([
    ['401', { apiKey: WRONG_KEY }, WRONG_KEY],
    ['403', { apiKey: accountToken, websiteId: OTHER_WEBSITE_ID }, accountToken],
  ] as const)('logs a %s exactly once at error level across several calls, without the credential', async (_status, options, secret) => {
    const { client, lines } = makeClient(ctx.sim.url, options);
    for (let i = 0; i < 3; i++) await client.getVisitor(personas.average.visitorId);
    await client.getRealtimeMap();
    await client.getRealtimeMap();
    const errors = parseLines(lines).filter((l) => l.level >= 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.msg).toMatch(/DataFast/);
    expect(errors[0]?.raw).not.toContain(secret);
    for (const line of lines) expect(line).not.toContain(secret);
  });
});

describe('the realtime map', () => {
  const ctx = useSimulator();

  it('is found with the count and the active visitors', async () => {
    const { client } = makeClient(ctx.sim.url);
    const seed = realtimeSeed();
    const result = await client.getRealtimeMap();
    if (result.kind !== 'found') throw new Error(`expected found, got ${JSON.stringify(result)}`);
    expect(result.map.count).toBe(seed.count);
    expect(result.map.visitors.map((v) => v.visitorId)).toEqual(
      (seed.visitors as { visitorId: string }[]).map((v) => v.visitorId),
    );
    expect(result.map.visitors.find((v) => v.visitorId === personas.high.visitorId)).toMatchObject({
      countryCode: 'GB',
      score: 84,
    });
    expect(result.map.recentPayments.length).toBeGreaterThan(0);
  });

  it('reflects what DataFast currently sends', async () => {
    const { client } = makeClient(ctx.sim.url);
    ctx.sim.setRealtime({ count: 0, visitors: [], recentEvents: [], recentPayments: [] });
    expect(await client.getRealtimeMap()).toEqual({
      kind: 'found',
      map: { count: 0, visitors: [], recentEvents: [], recentPayments: [] },
    });
  });

  it.each([
    ['hang', { kind: 'hang' }, 'timeout'],
    ['a 500', { kind: 'status', status: 500 }, 'server-error'],
    ['a 503', { kind: 'status', status: 503 }, 'server-error'],
    ['a reset', { kind: 'reset' }, 'network'],
    ['cut-off JSON', { kind: 'malformed-json' }, 'malformed'],
    ['a 429', { kind: 'rate-limit', retryAfterSeconds: 1 }, 'rate-limited'],
  ] as const)('is unavailable on %s, within the deadline', async (_name, fault, cause) => {
    const { client } = makeClient(ctx.sim.url, { timeoutMs: TIMEOUT_MS });
    ctx.sim.setFault(fault, { match: 'realtime' });
    const { result, elapsed } = await timed(() => client.getRealtimeMap());
    expect(result).toEqual({ kind: 'unavailable', cause });
    expect(elapsed).toBeLessThan(TIMEOUT_MS + DEADLINE_MARGIN_MS);
  });
});

describe('logging across this file', () => {
  it('never logged a credential or a personal value', () => {
    // Runs last: covers every line any client in this file logged.
    expect(fileLog.length).toBeGreaterThan(0);
    const pii = personalValues();
    for (const line of fileLog) {
      for (const secret of SECRETS) expect(line).not.toContain(secret);
      for (const value of pii) expect(line).not.toContain(value);
    }
  });
});
