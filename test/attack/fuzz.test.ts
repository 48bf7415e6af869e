// Fuzzing the standalone app over real HTTP: thousands of generated requests (methods, paths,
// queries, cookies, headers, bodies; known routes and not) must each get a 2xx/3xx/4xx answer in
// time — JSON on the API routes, nosniff everywhere — with no secret or personal data in any
// answer or log line, no crash, and a healthy app afterwards. 1,000 requests in `npm test`,
// 10,000 in `npm run attack`; the seed is fixed (ATTACK_SEED to vary it) so a failure replays.
// The same against PostMetric (half as many in `npm test`), whose visitor id also comes from the
// X-Visitor-Id header: the cookie and the header are fuzzed with ids of its rule
// (^[A-Za-z0-9_-]{1,128}$) and near misses, and each is checked against that rule exactly.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personas } from '../../demo/personas';
import { postMetricPersonas } from '../../demo/postmetric-personas';
import { SIMULATED_DATAFAST_DEFAULTS as SIM } from '../../demo/simulated-datafast';
import { SIMULATED_POSTMETRIC_DEFAULTS as PM } from '../../demo/simulated-postmetric';
import { personalValues, postMetricRecordValues } from '../support/forbidden';
import type { SuiteProvider } from '../support/route-suite';
import { ADMIN_TOKEN, CONVERSIONS_TOKEN, DECISION_SECRET, FULL, startAttackTarget, Tally, type AttackTarget, type RawAnswer, type RawRequest } from './attack-target';

const RUNS: Record<SuiteProvider, number> = { datafast: FULL ? 10_000 : 1_000, postmetric: FULL ? 10_000 : 500 };
const SEED = Number(process.env.ATTACK_SEED ?? 20261130);
const SECRETS = [SIM.apiKey, SIM.accountToken, PM.apiKey, ADMIN_TOKEN, CONVERSIONS_TOKEN, DECISION_SECRET];
const PERSONAL = [...personalValues(), ...postMetricRecordValues()];
/** PostMetric's visitor id rule. */
const PM_ID = /^[A-Za-z0-9_-]{1,128}$/;

const printable = fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c));
const text = (maxLength = 40) => fc.string({ unit: printable, maxLength });
const pathChars = fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c));

const KNOWN_PATHS = [
  '/visitor-offers/offer',
  '/visitor-offers/live',
  '/visitor-offers/events',
  '/visitor-offers/leads',
  '/visitor-offers/conversions',
  '/visitor-offers/experiments',
  '/visitor-offers/preview-links',
  '/visitor-offers/dashboard',
  '/visitor-offers/dashboard/data',
  '/visitor-offers/widget.js',
  '/visitor-offers/widget.iife.js',
  '/visitor-offers/widget.js.map',
  '/visitor-offers/dashboard.js',
  '/visitor-offers/metrics',
  '/visitor-offers/',
  '/visitor-offers/../../etc/passwd',
  '/visitor-offers/%2e%2e/%2e%2e/etc/passwd',
  '/healthz',
  '/readyz',
  '/metrics',
  '/',
];
const PERSONA_IDS = Object.values(personas).map((p) => p.visitorId);
const PM_PERSONA_IDS = Object.values(postMetricPersonas).map((p) => p.visitorId);
const idChar = fc.constantFrom(...'ABCXYZabcxyz0189_-');
/** PostMetric ids: valid ones (1–128 of its charset), and near misses (empty, 129 long, one foreign character). */
const pmId = fc.oneof(
  fc.constantFrom(...PM_PERSONA_IDS),
  fc.string({ unit: idChar, minLength: 1, maxLength: 128 }),
  fc.constantFrom('', 'v'.repeat(129), 'visitor.1', 'visitor 1', '../v', 'v?x=1', 'v%2F1', 'vísitor', 'v\\1'),
  fc.tuple(fc.string({ unit: idChar, maxLength: 20 }), fc.constantFrom(...'.:/@!~*+$,'), fc.string({ unit: idChar, maxLength: 20 })).map(([a, c, b]) => a + c + b),
);
const OFFER_IDS = ['welcome-coupon', 'popular-plan-urgency', 'starter-guide', 'launch-coupon', 'extended-trial', 'no-such-offer'];

const queryValue = fc.oneof(text(60), fc.constantFrom('/pricing', '/pricing?utm_source=x', '//evil.example', 'https://evil.example/', '%E0%A4%A', '%00', 'segment:low', 'v1.offer:x.1.abc'), fc.constant('/'.repeat(3000)));
const query = fc
  .dictionary(fc.oneof(fc.constantFrom('path', 'referrer', 'visitor-offers-preview', 'visitor-offers-token'), fc.string({ unit: pathChars, maxLength: 12 })), queryValue, { maxKeys: 4 })
  .map((q) => Object.entries(q).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'));
const rawQuery = fc.string({ unit: pathChars, maxLength: 80 });

const path = fc
  .tuple(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...KNOWN_PATHS) }, { weight: 1, arbitrary: fc.string({ unit: pathChars, maxLength: 60 }).map((p) => `/${p}`) }), fc.option(fc.oneof(query, rawQuery)))
  .map(([p, q]) => (q === null || q === '' ? p : `${p}?${q}`));

const cookieFor = (provider: SuiteProvider) => {
  const name = provider === 'postmetric' ? 'postmetric_visitor_id' : 'datafast_visitor_id';
  const ids = provider === 'postmetric' ? PM_PERSONA_IDS : PERSONA_IDS;
  return fc.option(
    fc.oneof(
      fc.constantFrom(...ids).map((id) => `${name}=${id}`),
      fc.uuid({ version: 4 }).map((id) => `${name}=${id}`),
      (provider === 'postmetric' ? pmId : text(80)).map((v) => `${name}=${v}`),
      text(80).map((v) => `${name}=${v}`),
      text(200),
      fc.constantFrom(...ids).map((id) => `a=b; ${name}=${id}; ${name}=x`),
    ),
  );
};

const headersFor = (provider: SuiteProvider) => fc
  .record(
    {
      cookie: cookieFor(provider),
      'x-visitor-id': fc.option(fc.oneof(pmId.filter((v) => v !== '' && !/[^\x21-\x7e]/.test(v)), text(60))),
      origin: fc.option(fc.oneof(fc.constantFrom('null', 'https://evil.example', 'http://127.0.0.1'), fc.webUrl())),
      'sec-fetch-site': fc.option(fc.constantFrom('same-origin', 'same-site', 'cross-site', 'none', 'bogus')),
      'content-type': fc.option(fc.oneof(fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16'), text(30))),
      authorization: fc.option(fc.oneof(fc.constantFrom(`Bearer ${ADMIN_TOKEN}`, `Bearer ${CONVERSIONS_TOKEN}`, 'Bearer ', 'Basic YWxhZGRpbjpvcGVuc2VzYW1l'), text(60).map((t) => `Bearer ${t}`))),
      'x-forwarded-for': fc.option(fc.oneof(fc.ipV4(), text(40))),
      'x-forwarded-host': fc.option(fc.oneof(fc.domain(), text(30))),
      'user-agent': fc.option(fc.oneof(fc.constantFrom('Googlebot/2.1 (+http://www.google.com/bot.html)', 'Mozilla/5.0'), text(80))),
      'if-none-match': fc.option(text(40)),
    },
    { requiredKeys: [] },
  )
  .map((h) => Object.fromEntries(Object.entries(h).filter((e): e is [string, string] => typeof e[1] === 'string')));

const fields = fc.record(
  {
    type: fc.oneof(fc.constantFrom('exposure', 'click', 'dismiss', 'conversion'), text(12)),
    offerId: fc.oneof(fc.constantFrom(...OFFER_IDS), fc.constant(null), text(70)),
    experiment: fc.oneof(fc.constant('trial-length'), text(20)),
    variant: fc.oneof(fc.constantFrom('control', 'extended-trial'), text(20)),
    email: fc.oneof(fc.emailAddress(), text(80), fc.constantFrom('=HYPERLINK("x")@a.com', '+1@a.com', 'a@b', '')),
    visitorId: fc.oneof(fc.constantFrom(...PERSONA_IDS, ...PM_PERSONA_IDS), fc.uuid({ version: 4 }), pmId, text(40)),
    orderId: fc.oneof(text(140), fc.integer(), fc.double()),
    value: fc.oneof(fc.double(), fc.integer(), text(10)),
    currency: fc.oneof(fc.constantFrom('EUR', 'usd', 'EURO'), text(5)),
    target: fc.oneof(fc.constantFrom('welcome-coupon', 'segment:low', 'segment:vip'), text(30)),
    path: fc.oneof(fc.constantFrom('/pricing', 'pricing', '//evil'), text(30)),
    minutes: fc.oneof(fc.integer({ min: -10, max: 5000 }), fc.double()),
  },
  { requiredKeys: [] },
);
const body = fc.option(
  fc.oneof(
    { weight: 3, arbitrary: fields.map((f) => JSON.stringify(f)) },
    { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: text(200) },
    { weight: 1, arbitrary: fc.integer({ min: 3_000, max: 40_000 }).map((n) => `{"email":"${'a'.repeat(n)}@x.com"}`) },
  ),
);

const requestsFor = (provider: SuiteProvider): fc.Arbitrary<RawRequest> => fc.record({ method: fc.constantFrom('GET', 'GET', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'), path, headers: headersFor(provider), body }).map((r) => {
  const req: RawRequest = { method: r.method, path: r.path, headers: r.headers };
  if (r.body !== null && r.method !== 'GET' && r.method !== 'HEAD') req.body = r.body;
  return req;
});

/**
 * API answers are JSON; the widget files, the dashboard page and metrics text are not, nor
 * Express's own answer to OPTIONS on a route (the allowed methods, as text).
 */
function expectsJson(req: RawRequest, a: RawAnswer): boolean {
  if (req.method === 'HEAD' || a.status === 304 || a.body === '') return false;
  if (req.method === 'OPTIONS' && a.status === 200 && typeof a.headers.allow === 'string') return false;
  const p = req.path.split('?')[0] ?? '';
  return !/\.(js|map|txt)$/.test(p) && !/\/dashboard\/?$/.test(p) && !/\/metrics\/?$/.test(p);
}

describe.each(['datafast', 'postmetric'] as SuiteProvider[])('fuzzing the standalone app against %s', (provider) => {
  let t: AttackTarget;
  const tally = new Tally();
  beforeAll(async () => {
    t = await startAttackTarget({ limits: { eventsPerMinutePerIp: 100_000, eventsPerMinutePerVisitor: 100_000, leadsPerMinutePerIp: 100_000, conversionsPerMinute: 100_000 } }, provider);
  });
  afterAll(async () => {
    console.log(tally.line(`fuzz ${provider} (seed ${SEED})`));
    await t?.close();
  });

  it(`answers ${RUNS[provider].toLocaleString('en')} generated requests with 2xx–4xx, in time, leaking nothing`, async () => {
    const emails: string[] = [];
    await fc.assert(
      fc.asyncProperty(requestsFor(provider), async (req) => {
        const a = await t.send(req);
        tally.add(a);
        expect(a.status, `${req.method} ${req.path}`).toBeGreaterThanOrEqual(200);
        expect(a.status, `${req.method} ${req.path} → ${a.body.slice(0, 200)}`).toBeLessThan(500);
        expect(a.headers['x-content-type-options'], `${req.method} ${req.path}`).toBe('nosniff');
        if (expectsJson(req, a)) {
          expect(String(a.headers['content-type']), `${req.method} ${req.path}`).toMatch(/^application\/json/);
          expect(() => JSON.parse(a.body) as unknown, `${req.method} ${req.path}`).not.toThrow();
        }
        for (const secret of SECRETS) expect(a.body).not.toContain(secret);
        for (const value of PERSONAL) expect(a.body).not.toContain(value);
        const email = typeof req.body === 'string' ? /"email":"([^"]{3,})"/.exec(req.body)?.[1] : undefined;
        if (email !== undefined && email.includes('@')) emails.push(email);
      }),
      { numRuns: RUNS[provider], seed: SEED, endOnFailure: true },
    );
    const logged = t.log.text();
    for (const secret of SECRETS) expect(logged).not.toContain(secret);
    for (const value of PERSONAL) expect(logged).not.toContain(value);
    // A lead's email is stored, never logged.
    expect(emails.filter((e) => e.length < 200 && logged.includes(e))).toEqual([]);
  }, 600_000);

  it('is healthy afterwards: alive, still deciding, and nothing crashed', async () => {
    expect((await t.send({ method: 'GET', path: '/healthz' })).status).toBe(200);
    if (provider === 'datafast') {
      const offer = await t.send({ method: 'GET', path: '/visitor-offers/offer?path=/', headers: { cookie: `datafast_visitor_id=${personas.low.visitorId}` } });
      expect(JSON.parse(offer.body)).toMatchObject({ segment: 'low', offer: { kind: 'coupon' } });
    } else {
      // PostMetric's visitors are placed by the local score: a known one is decided by a rule, locally scored.
      const offer = await t.send({ method: 'GET', path: '/visitor-offers/offer?path=/', headers: { 'x-visitor-id': postMetricPersonas.pricingReturning.visitorId } });
      expect(JSON.parse(offer.body)).toMatchObject({ reason: expect.stringMatching(/^rule:/), scoreSource: 'local' });
    }
    expect(t.crashes).toEqual([]);
  });
});

describe('the PostMetric visitor id, fuzzed', () => {
  let t: AttackTarget;
  beforeAll(async () => {
    t = await startAttackTarget({}, 'postmetric');
  });
  afterAll(async () => {
    await t?.close();
  });

  it(`is taken from the cookie or X-Visitor-Id exactly when it matches ${PM_ID.source}, and only then looked up`, async () => {
    await fc.assert(
      fc.asyncProperty(pmId.filter((v) => !/[^\x21-\x7e]/.test(v) && !/[;,"\\%]/.test(v)), fc.boolean(), async (id, inCookie) => {
        const before = t.sim.callCount('visitors');
        const headers: Record<string, string> = inCookie ? { cookie: `postmetric_visitor_id=${id}` } : { 'x-visitor-id': id };
        const a = await t.send({ method: 'GET', path: '/visitor-offers/offer?path=/pricing', headers });
        expect(a.status).toBe(200);
        const { reason } = JSON.parse(a.body) as { reason: string };
        const valid = PM_ID.test(id);
        // An empty value is no id at all (no-cookie); any other that breaks the rule is refused before a call.
        if (id === '') expect(reason).toBe('no-cookie');
        else if (!valid) expect(reason, id).toBe('invalid-cookie');
        else expect(reason, id).not.toMatch(/^(invalid-cookie|no-cookie)$/);
        if (!valid) expect(t.sim.callCount('visitors')).toBe(before);
        expect(a.body).not.toContain(PM.apiKey);
      }),
      { numRuns: FULL ? 2_000 : 200, seed: SEED, endOnFailure: true },
    );
    const logged = t.log.text();
    expect(logged).not.toContain(PM.apiKey);
    for (const value of postMetricRecordValues()) expect(logged).not.toContain(value);
    expect(t.crashes).toEqual([]);
  });
});
