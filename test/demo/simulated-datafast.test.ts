// The simulated DataFast API is what every other suite trusts to behave like DataFast, so its
// auth rules, persona answers, fault modes and bookkeeping are checked here over real sockets.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { personas, realtimeSeed } from '../../demo/personas';
import type { Persona, PersonaName } from '../../demo/personas';
import { SIMULATED_DATAFAST_DEFAULTS, startSimulatedDataFast } from '../../demo/simulated-datafast';
import type { SimulatedDataFast } from '../../demo/simulated-datafast';
import { parseVisitorResponse } from '../../server/datafast/visitor';

const { apiKey, accountToken, websiteId } = SIMULATED_DATAFAST_DEFAULTS;
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface Envelope {
  status: 'success' | 'error';
  data?: Record<string, unknown> | null;
  error?: { code: number; message: string };
}

let sim: SimulatedDataFast;

beforeEach(async () => {
  sim = await startSimulatedDataFast();
});

afterEach(async () => {
  await sim.close();
});

function get(path: string, init: { token?: string | null; signal?: AbortSignal } = {}): Promise<Response> {
  const token = init.token === undefined ? apiKey : init.token;
  return fetch(`${sim.url}${path}`, {
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
    ...(init.signal ? { signal: init.signal } : {}),
  });
}

async function json(res: Response): Promise<Envelope> {
  expect(res.headers.get('content-type')).toContain('application/json');
  return (await res.json()) as Envelope;
}

const visitorPath = (name: PersonaName): string => `/api/v1/visitors/${personas[name].visitorId}`;

describe('personas', () => {
  it('have distinct, valid lowercase UUID v4 ids and data only when status is 200', () => {
    const ids = Object.values(personas).map((p) => p.visitorId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of Object.values(personas)) {
      expect(p.visitorId).toMatch(UUID_V4);
      expect(p.data === null).toBe(p.status !== 200);
    }
  });
});

describe('auth', () => {
  it('accepts the df_ website key without websiteId', async () => {
    const res = await get(visitorPath('average'));
    expect(res.status).toBe(200);
    expect((await json(res)).status).toBe('success');
  });

  it('accepts the dft_ account token with the right websiteId', async () => {
    const res = await get(`${visitorPath('average')}?websiteId=${websiteId}`, { token: accountToken });
    expect(res.status).toBe(200);
  });

  it('rejects a dft_ token without websiteId with 400', async () => {
    const res = await get(visitorPath('average'), { token: accountToken });
    expect(res.status).toBe(400);
    expect(await json(res)).toEqual({
      status: 'error',
      error: { code: 400, message: 'websiteId is required for account tokens' },
    });
  });

  it('rejects a dft_ token for another website with 403', async () => {
    const res = await get(`${visitorPath('average')}?websiteId=000000000000000000000000`, { token: accountToken });
    expect(res.status).toBe(403);
    expect((await json(res)).error?.code).toBe(403);
  });

  it('rejects a bad or missing token with 401', async () => {
    for (const token of ['df_wrong', null]) {
      const res = await get(visitorPath('average'), { token });
      expect(res.status).toBe(401);
      const body = await json(res);
      expect(body.status).toBe('error');
      expect(body.error?.code).toBe(401);
    }
  });

  it('applies the same rules to the realtime map', async () => {
    expect((await get('/api/v1/analytics/realtime/map', { token: accountToken })).status).toBe(400);
    expect((await get('/api/v1/analytics/realtime/map', { token: 'nope' })).status).toBe(401);
  });

  it('honours custom credentials', async () => {
    const custom = await startSimulatedDataFast({ apiKey: 'df_custom', accountToken: 'dft_custom', websiteId: 'site1' });
    try {
      const ok = await fetch(`${custom.url}${visitorPath('low')}`, { headers: { authorization: 'Bearer df_custom' } });
      expect(ok.status).toBe(200);
      const viaToken = await fetch(`${custom.url}${visitorPath('low')}?websiteId=site1`, {
        headers: { authorization: 'Bearer dft_custom' },
      });
      expect(viaToken.status).toBe(200);
      const oldKey = await fetch(`${custom.url}${visitorPath('low')}`, { headers: { authorization: `Bearer ${apiKey}` } });
      expect(oldKey.status).toBe(401);
    } finally {
      await custom.close();
    }
  });
});

describe('GET /api/v1/visitors/:id', () => {
  it.each(Object.keys(personas) as PersonaName[])('answers persona %s with its status', async (name) => {
    const persona = personas[name];
    const res = await get(visitorPath(name));
    expect(res.status).toBe(persona.status);
    const body = await json(res);
    if (persona.status === 200) {
      expect(body).toEqual({ status: 'success', data: persona.data });
    } else {
      expect(body.status).toBe('error');
      expect(body.error?.code).toBe(persona.status);
      expect(body.error?.message.length).toBeGreaterThan(0);
    }
  });

  it('answers 400 for an id that is not a UUID v4', async () => {
    for (const id of ['not-a-uuid', '3f6c2a1e-8b4d-1c7a-9e2f-1a5b6c7d8e01', "'; drop table--"]) {
      const res = await get(`/api/v1/visitors/${encodeURIComponent(id)}`);
      expect(res.status).toBe(400);
      expect((await json(res)).error?.code).toBe(400);
    }
  });

  it('answers 404 for an unseeded UUID v4', async () => {
    expect((await get('/api/v1/visitors/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('answers 404 with an error envelope for other routes and methods', async () => {
    const other = await get('/api/v1/analytics/overview');
    expect(other.status).toBe(404);
    expect(await json(other)).toMatchObject({ status: 'error', error: { code: 404 } });
    const post = await fetch(`${sim.url}${visitorPath('low')}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}` },
    });
    expect(post.status).toBe(404);
  });

  it('serves visitors from options and addVisitor, overriding seeds', async () => {
    const extra: Persona = {
      visitorId: '0f1e2d3c-4b5a-4968-a7b6-c5d4e3f2a1b0',
      label: 'extra',
      description: 'test',
      status: 200,
      data: { visitorId: '0f1e2d3c-4b5a-4968-a7b6-c5d4e3f2a1b0', prediction: null },
    };
    const custom = await startSimulatedDataFast({ visitors: [extra] });
    try {
      const res = await fetch(`${custom.url}/api/v1/visitors/${extra.visitorId}`, {
        headers: { authorization: `Bearer ${apiKey}` },
      });
      expect(res.status).toBe(200);
      custom.addVisitor({ ...personas.low, status: 404, data: null });
      const gone = await fetch(`${custom.url}${visitorPath('low')}`, { headers: { authorization: `Bearer ${apiKey}` } });
      expect(gone.status).toBe(404);
    } finally {
      await custom.close();
    }
  });

  it('generates deterministic records for unseeded ids when generateUnknown is set', async () => {
    const gen = await startSimulatedDataFast({ generateUnknown: true });
    try {
      const id = '12345678-9abc-4def-8123-456789abcdef';
      const fetchOne = async (): Promise<Envelope> =>
        (await (
          await fetch(`${gen.url}/api/v1/visitors/${id}`, { headers: { authorization: `Bearer ${apiKey}` } })
        ).json()) as Envelope;
      const a = await fetchOne();
      const b = await fetchOne();
      const parsedA = parseVisitorResponse(a);
      expect(parsedA?.visitorId).toBe(id);
      expect(parsedA?.prediction).not.toBeNull();
      expect(parseVisitorResponse(b)?.prediction).toEqual(parsedA?.prediction);
      // Seeds still win, and non-UUIDs are still rejected.
      const bot = await fetch(`${gen.url}${visitorPath('bot')}`, { headers: { authorization: `Bearer ${apiKey}` } });
      expect(bot.status).toBe(400);
      // Different ids spread over the score range.
      const scores = new Set<number>();
      for (let i = 0; i < 20; i++) {
        const other = `12345678-9abc-4def-8123-4567890000${String(i).padStart(2, '0')}`;
        const res = await fetch(`${gen.url}/api/v1/visitors/${other}`, { headers: { authorization: `Bearer ${apiKey}` } });
        const score = parseVisitorResponse(await res.json())?.prediction?.score;
        if (score !== undefined) scores.add(score);
      }
      expect(scores.size).toBeGreaterThan(5);
    } finally {
      await gen.close();
    }
  });

  it('returns a fresh copy each time, so callers cannot mutate the seeds', async () => {
    const first = await json(await get(visitorPath('high')));
    (first.data as Record<string, unknown>).prediction = null;
    const second = await json(await get(visitorPath('high')));
    expect(second.data).toEqual(personas.high.data);
  });
});

describe('parsing with server/datafast/visitor', () => {
  const ok = (Object.keys(personas) as PersonaName[]).filter((n) => personas[n].status === 200);

  it.each(ok)('parses persona %s', async (name) => {
    const visitor = parseVisitorResponse(await json(await get(visitorPath(name))));
    expect(visitor).not.toBeNull();
    expect(visitor?.visitorId).toBe(personas[name].visitorId);
    expect(visitor?.identity.countryCode).toMatch(/^[A-Z]{2}$/);
  });

  it('reads the expected predictions and goals', async () => {
    const read = async (name: PersonaName) => parseVisitorResponse(await json(await get(visitorPath(name))));
    expect((await read('low'))?.prediction).toMatchObject({ score: 22, confidence: 0.81 });
    expect((await read('high'))?.activity.visitCount).toBe(6);
    expect((await read('high'))?.activity.completedGoals.map((g) => g.name)).toContain('pricing_viewed');
    const customer = await read('customer');
    expect(customer?.prediction).toBeNull();
    expect(customer?.activity.completedGoals).toContainEqual(
      expect.objectContaining({ name: 'payment', origin: 'payment_provider' }),
    );
    const identified = await read('identified');
    expect(identified?.identified).toBe(true);
    expect(JSON.stringify(identified)).not.toMatch(/jane|Jane Doe|San Francisco|US-CA/);
    expect((await read('lowConfidence'))?.prediction?.confidence).toBeLessThan(0.5);
  });

  it('reads the legacy shape: country code from `country`, completedCustomGoals as goals', async () => {
    const legacy = parseVisitorResponse(await json(await get(visitorPath('legacyShape'))));
    expect(legacy?.identity.countryCode).toBe('KR');
    expect(legacy?.prediction).toBeNull();
    expect(legacy?.identified).toBe(false);
    expect(legacy?.activity.completedGoals).toEqual([
      { name: 'newsletter_signup', timestamp: expect.any(String), origin: null },
    ]);
  });
});

describe('GET /api/v1/analytics/realtime/map', () => {
  it('answers the documented shape, persona visitors included', async () => {
    const res = await get('/api/v1/analytics/realtime/map');
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.status).toBe('success');
    const data = body.data as {
      count: number;
      visitors: Record<string, unknown>[];
      conversionMetrics: unknown;
      hasConversionPredictions: boolean;
      recentEvents: Record<string, unknown>[];
      recentPayments: Record<string, unknown>[];
    };
    expect(data.count).toBe(data.visitors.length);
    expect(data.hasConversionPredictions).toBe(true);
    expect(data.conversionMetrics).toEqual({
      baselineConversionRate: expect.any(Number),
      baselineAverageValue: expect.any(Number),
    });
    const ids = data.visitors.map((v) => v.visitorId);
    for (const name of ['low', 'average', 'high', 'customer', 'identified', 'lowConfidence', 'legacyShape'] as const) {
      expect(ids).toContain(personas[name].visitorId);
    }
    expect(ids).not.toContain(personas.bot.visitorId);
    for (const v of data.visitors) {
      expect(v).toMatchObject({
        visitorId: expect.stringMatching(UUID_V4),
        location: { city: expect.any(String), region: expect.any(String), countryCode: expect.stringMatching(/^[A-Z]{2}$/) },
        system: { browser: { name: expect.any(String) }, os: { name: expect.any(String) }, device: { type: expect.any(String) } },
        currentUrl: expect.any(String),
        sessionStartTime: expect.any(String),
        visitCount: expect.any(Number),
        latitude: expect.any(Number),
        longitude: expect.any(Number),
        isCustomer: expect.any(Boolean),
        profileData: { hasProfile: expect.any(Boolean), isRandomName: expect.any(Boolean) },
      });
      expect(Object.keys(v.params as object).sort()).toEqual(
        ['ref', 'source', 'via', 'utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term'].sort(),
      );
      expect(v).toHaveProperty('conversionLikelihood');
      expect(v).toHaveProperty('customerEmail');
    }
    expect(data.recentEvents.length).toBeGreaterThan(0);
    expect(data.recentPayments).toHaveLength(3);
    for (const p of data.recentPayments) {
      expect(p).toMatchObject({ type: 'payment_received', name: expect.any(String), email: expect.stringContaining('@') });
      expect(p).toMatchObject({ amount: expect.any(Number), currency: expect.stringMatching(/^[A-Z]{3}$/) });
    }
  });

  it('keeps timestamps within the last ten minutes of the request', async () => {
    const data = realtimeSeed();
    const payments = data.recentPayments as { timestamp: string }[];
    for (const p of payments) {
      const age = Date.now() - Date.parse(p.timestamp);
      expect(age).toBeGreaterThanOrEqual(0);
      expect(age).toBeLessThanOrEqual(10 * 60_000);
    }
  });

  it('can be replaced with setRealtime and restored', async () => {
    sim.setRealtime({ count: 0, visitors: [], hasConversionPredictions: false, recentEvents: [], recentPayments: [] });
    expect((await json(await get('/api/v1/analytics/realtime/map'))).data).toMatchObject({ count: 0 });
    sim.setRealtime(null);
    expect((await json(await get('/api/v1/analytics/realtime/map'))).data?.count).toBeGreaterThan(0);
  });
});

describe('faults', () => {
  it('delay answers normally after the delay', async () => {
    sim.setFault({ kind: 'delay', ms: 150 });
    const started = performance.now();
    const res = await get(visitorPath('high'));
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(res.status).toBe(200);
  });

  it('latencyMs delays every response', async () => {
    const slow = await startSimulatedDataFast({ latencyMs: 100 });
    try {
      const started = performance.now();
      const res = await fetch(`${slow.url}${visitorPath('low')}`, { headers: { authorization: `Bearer ${apiKey}` } });
      expect(performance.now() - started).toBeGreaterThanOrEqual(90);
      expect(res.status).toBe(200);
    } finally {
      await slow.close();
    }
  });

  it('hang never answers; the client times out', async () => {
    sim.setFault({ kind: 'hang' });
    await expect(get(visitorPath('high'), { signal: AbortSignal.timeout(200) })).rejects.toThrow();
    expect(sim.callCount('visitors')).toBe(1);
  });

  it('status answers that status with an error envelope', async () => {
    sim.setFault({ kind: 'status', status: 503 });
    const res = await get(visitorPath('high'));
    expect(res.status).toBe(503);
    expect(await json(res)).toMatchObject({ status: 'error', error: { code: 503 } });
  });

  it('rate-limit answers 429 with Retry-After when given', async () => {
    sim.setFault({ kind: 'rate-limit', retryAfterSeconds: 7 });
    const limited = await get(visitorPath('high'));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(await json(limited)).toMatchObject({ status: 'error', error: { code: 429 } });

    sim.setFault({ kind: 'rate-limit' });
    const bare = await get(visitorPath('high'));
    expect(bare.status).toBe(429);
    expect(bare.headers.get('retry-after')).toBeNull();
  });

  it('malformed-json answers 200 with a body that does not parse', async () => {
    sim.setFault({ kind: 'malformed-json' });
    const res = await get(visitorPath('high'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    const text = await res.text();
    expect(text.length).toBeGreaterThan(0);
    expect(() => JSON.parse(text) as unknown).toThrow();
  });

  it('reset destroys the socket, so fetch rejects', async () => {
    sim.setFault({ kind: 'reset' });
    await expect(get(visitorPath('high'))).rejects.toThrow();
  });

  it('times: N applies to the next N matching requests, then clears', async () => {
    sim.setFault({ kind: 'status', status: 500 }, { times: 2 });
    expect((await get(visitorPath('high'))).status).toBe(500);
    expect((await get(visitorPath('high'))).status).toBe(500);
    expect((await get(visitorPath('high'))).status).toBe(200);
  });

  it('match limits a fault to one endpoint, and does not count other requests', async () => {
    sim.setFault({ kind: 'status', status: 500 }, { match: 'realtime', times: 1 });
    expect((await get(visitorPath('high'))).status).toBe(200);
    expect((await get('/api/v1/analytics/realtime/map')).status).toBe(500);
    expect((await get('/api/v1/analytics/realtime/map')).status).toBe(200);

    sim.setFault({ kind: 'status', status: 502 }, { match: 'visitors' });
    expect((await get('/api/v1/analytics/realtime/map')).status).toBe(200);
    expect((await get(visitorPath('low'))).status).toBe(502);
    expect((await get(visitorPath('low'))).status).toBe(502);
  });

  it('setFault(null) clears a fault', async () => {
    sim.setFault({ kind: 'status', status: 500 });
    expect((await get(visitorPath('high'))).status).toBe(500);
    sim.setFault(null);
    expect((await get(visitorPath('high'))).status).toBe(200);
  });

  it('rejects a non-positive times', () => {
    expect(() => sim.setFault({ kind: 'hang' }, { times: 0 })).toThrow(RangeError);
  });
});

describe('call recording', () => {
  it('records method, path, query, authorization and time', async () => {
    const before = Date.now();
    await get(`${visitorPath('low')}?websiteId=${websiteId}`, { token: accountToken });
    await get('/api/v1/analytics/realtime/map');
    await get('/nowhere', { token: null });
    expect(sim.calls).toHaveLength(3);
    expect(sim.calls[0]).toEqual({
      method: 'GET',
      path: visitorPath('low'),
      query: { websiteId },
      authorization: `Bearer ${accountToken}`,
      at: expect.any(Number),
    });
    expect(sim.calls[0]?.at).toBeGreaterThanOrEqual(before);
    expect(sim.calls[2]?.authorization).toBeNull();
    expect(sim.callCount()).toBe(3);
    expect(sim.callCount('visitors')).toBe(1);
    expect(sim.callCount('realtime')).toBe(1);

    const same = sim.calls;
    sim.resetCalls();
    expect(sim.callCount()).toBe(0);
    expect(same).toBe(sim.calls);
  });
});

describe('close()', () => {
  it('resolves promptly with a hung request pending, and the client sees the connection drop', async () => {
    const own = await startSimulatedDataFast();
    own.setFault({ kind: 'hang' });
    const pending = fetch(`${own.url}${visitorPath('low')}`, { headers: { authorization: `Bearer ${apiKey}` } });
    // Make sure the request reached the server before closing.
    while (own.callCount() === 0) await new Promise((r) => setTimeout(r, 5));
    await own.close();
    await expect(pending).rejects.toThrow();
    await own.close(); // idempotent
  });

  it('cancels a delayed response', async () => {
    const own = await startSimulatedDataFast({ latencyMs: 60_000 });
    const pending = fetch(`${own.url}${visitorPath('low')}`, { headers: { authorization: `Bearer ${apiKey}` } });
    while (own.callCount() === 0) await new Promise((r) => setTimeout(r, 5));
    await own.close();
    await expect(pending).rejects.toThrow();
  });
});

describe('POST /api/v1/goals', () => {
  interface GoalEnvelope {
    status: 'success' | 'error';
    data?: Array<{ message: string; eventId: string }>;
    error?: { code: number; message: string };
  }

  function postGoal(body: unknown, init: { token?: string | null; query?: string; raw?: string } = {}): Promise<Response> {
    const token = init.token === undefined ? apiKey : init.token;
    return fetch(`${sim.url}/api/v1/goals${init.query ?? ''}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
      body: init.raw ?? JSON.stringify(body),
    });
  }

  const visitor = personas.average.visitorId;
  const valid = { datafast_visitor_id: visitor, name: 'offer_click', metadata: { offer: 'spring', variant: 'b' } };

  async function expectError(res: Response, status: number, message?: RegExp): Promise<void> {
    expect(res.status).toBe(status);
    const body = (await json(res)) as GoalEnvelope;
    expect(body.status).toBe('error');
    expect(body.error?.code).toBe(status);
    if (message) expect(body.error?.message).toMatch(message);
  }

  it('creates a goal with the documented success envelope and records it', async () => {
    const before = Date.now();
    const res = await postGoal(valid);
    expect(res.status).toBe(200);
    const body = (await json(res)) as GoalEnvelope;
    expect(body).toEqual({
      status: 'success',
      data: [{ message: 'Custom event created successfully', eventId: expect.stringMatching(/^[0-9a-f]{24}$/) }],
    });
    expect(sim.goals).toEqual([
      { visitorId: visitor, name: 'offer_click', metadata: { offer: 'spring', variant: 'b' }, eventId: body.data?.[0]?.eventId, at: expect.any(Number) },
    ]);
    expect(sim.goals[0]?.at).toBeGreaterThanOrEqual(before);
  });

  it('records the POST body in calls and counts goal calls', async () => {
    await postGoal(valid);
    await postGoal(null, { raw: '{not json' });
    await get(visitorPath('low'));
    expect(sim.calls[0]).toEqual({
      method: 'POST',
      path: '/api/v1/goals',
      query: {},
      authorization: `Bearer ${apiKey}`,
      at: expect.any(Number),
      body: valid,
    });
    expect(sim.calls[1]?.body).toBe('{not json');
    expect(sim.calls[2]).not.toHaveProperty('body');
    expect(sim.callCount('goals')).toBe(2);
    expect(sim.callCount('visitors')).toBe(1);
    sim.resetCalls();
    expect(sim.goals).toHaveLength(0);
  });

  it('accepts the visitorId alias, normalises the name (lowercase, spaces to _) and allows colons', async () => {
    expect((await postGoal({ visitorId: visitor.toUpperCase(), name: 'Signup Completed' })).status).toBe(200);
    expect((await postGoal({ datafast_visitor_id: visitor, name: 'checkout:step-2' })).status).toBe(200);
    expect(sim.goals.map((g) => [g.visitorId, g.name, g.metadata])).toEqual([
      [visitor, 'signup_completed', {}],
      [visitor, 'checkout:step-2', {}],
    ]);
  });

  it('applies the auth rules: df_ key, dft_ token with the right websiteId, else 400/401/403', async () => {
    expect((await postGoal(valid, { token: accountToken, query: `?websiteId=${websiteId}` })).status).toBe(200);
    await expectError(await postGoal(valid, { token: accountToken }), 400, /websiteId/);
    await expectError(await postGoal(valid, { token: accountToken, query: '?websiteId=000000000000000000000000' }), 403);
    await expectError(await postGoal(valid, { token: 'df_wrong' }), 401);
    await expectError(await postGoal(valid, { token: null }), 401);
    expect(sim.goals).toHaveLength(1);
  });

  it.each([
    ['bad JSON', undefined, '{"datafast_visitor_id":', /JSON/],
    ['an empty body', undefined, '', /JSON/],
    ['a JSON array', [valid], undefined, /JSON/],
    ['no visitor id', { name: 'offer_click' }, undefined, /datafast_visitor_id/],
    ['a visitor id that is not a UUID v4', { datafast_visitor_id: 'abc', name: 'offer_click' }, undefined, /UUID/],
    ['no name', { datafast_visitor_id: visitor }, undefined, /name/],
    ['a non-string name', { datafast_visitor_id: visitor, name: 7 }, undefined, /name/],
    ['the reserved name identify', { datafast_visitor_id: visitor, name: 'Identify' }, undefined, /reserved/],
    ['a name with a dot', { datafast_visitor_id: visitor, name: 'offer.click' }, undefined, /goal name/],
    ['a name over 64 characters', { datafast_visitor_id: visitor, name: 'a'.repeat(65) }, undefined, /goal name/],
    ['metadata that is not an object', { ...valid, metadata: 'x' }, undefined, /metadata/],
    ['11 metadata keys', { ...valid, metadata: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v'])) }, undefined, /10 keys/],
    ['an uppercase metadata key', { ...valid, metadata: { Offer: 'x' } }, undefined, /metadata key/],
    ['a metadata key over 64 characters', { ...valid, metadata: { ['k'.repeat(65)]: 'x' } }, undefined, /metadata key/],
    ['a non-string metadata value', { ...valid, metadata: { offer: 5 } }, undefined, /string/],
    ['a metadata value over 255 characters', { ...valid, metadata: { offer: 'x'.repeat(256) } }, undefined, /255/],
  ] as Array<[string, unknown, string | undefined, RegExp]>)('answers 400 for %s and records no goal', async (_name, body, raw, message) => {
    await expectError(await postGoal(body, raw === undefined ? {} : { raw }), 400, message);
    expect(sim.goals).toHaveLength(0);
  });

  it('accepts exactly 10 metadata keys, 64-character keys and 255-character values, and strips HTML', async () => {
    const metadata: Record<string, string> = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`k${i}`, 'v']));
    metadata['k'.repeat(64)] = `${'x'.repeat(240)}<b>bold</b>`;
    expect((await postGoal({ ...valid, metadata })).status).toBe(200);
    expect(sim.goals[0]?.metadata['k'.repeat(64)]).toBe(`${'x'.repeat(240)}bold`);
  });

  it('answers 400 for the bot persona and 404 for a visitor without pageviews', async () => {
    await expectError(await postGoal({ ...valid, datafast_visitor_id: personas.bot.visitorId }), 400, /bot/);
    await expectError(await postGoal({ ...valid, datafast_visitor_id: personas.unknown.visitorId }), 404, /pageview/);
    await expectError(await postGoal({ ...valid, datafast_visitor_id: '00000000-0000-4000-8000-000000000000' }), 404);
    expect(sim.goals).toHaveLength(0);
  });

  it('accepts an unseeded visitor when generateUnknown is set', async () => {
    const gen = await startSimulatedDataFast({ generateUnknown: true });
    try {
      const res = await fetch(`${gen.url}/api/v1/goals`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ...valid, datafast_visitor_id: '12345678-9abc-4def-8123-456789abcdef' }),
      });
      expect(res.status).toBe(200);
      expect(gen.goals).toHaveLength(1);
    } finally {
      await gen.close();
    }
  });

  it('answers 404 for GET /api/v1/goals', async () => {
    expect((await get('/api/v1/goals')).status).toBe(404);
  });

  it('applies faults matched on goals only to goals, and "all" to goals too', async () => {
    sim.setFault({ kind: 'status', status: 503 }, { match: 'goals', times: 2 });
    expect((await get(visitorPath('low'))).status).toBe(200);
    expect((await postGoal(valid)).status).toBe(503);
    expect((await postGoal(valid)).status).toBe(503);
    expect((await postGoal(valid)).status).toBe(200);
    expect(sim.goals).toHaveLength(1);

    sim.setFault({ kind: 'rate-limit', retryAfterSeconds: 3 }, { times: 1 });
    const limited = await postGoal(valid);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');

    sim.setFault({ kind: 'status', status: 500 }, { match: 'visitors' });
    expect((await postGoal(valid)).status).toBe(200);
    expect(sim.goals).toHaveLength(2);
  });

  it('hang, reset and delay apply to goals', async () => {
    sim.setFault({ kind: 'hang' }, { match: 'goals', times: 1 });
    await expect(
      fetch(`${sim.url}/api/v1/goals`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}` },
        body: JSON.stringify(valid),
        signal: AbortSignal.timeout(200),
      }),
    ).rejects.toThrow();
    sim.setFault({ kind: 'reset' }, { match: 'goals', times: 1 });
    await expect(postGoal(valid)).rejects.toThrow();
    sim.setFault({ kind: 'delay', ms: 120 }, { match: 'goals', times: 1 });
    const started = performance.now();
    expect((await postGoal(valid)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(110);
    // A hung or reset request creates no goal.
    expect(sim.goals).toHaveLength(1);
  });

  it('malformed-json records the goal but cuts the answer off', async () => {
    sim.setFault({ kind: 'malformed-json' }, { match: 'goals', times: 1 });
    const res = await postGoal(valid);
    expect(res.status).toBe(200);
    await expect(res.json()).rejects.toThrow();
    expect(sim.goals).toHaveLength(1);
  });
});
