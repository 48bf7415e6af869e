// `visitor-offers decide --visitor <id> --path /pricing`: the operator's first debugging tool. It asks
// the configured DataFast, and its decision is the router's own for every demo persona; it says why
// (segment, each rule in order, experiment) and writes nothing: no store, no code from a pool.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personas, type PersonaName } from '../../../demo/personas';
import { SIMULATED_DATAFAST_DEFAULTS as SIM, startSimulatedDataFast, type SimulatedDataFast } from '../../../demo/simulated-datafast';
import { mountRouter, type MountedRouter } from '../../support/mounted-router';
import { cli } from './run-cli';

const OFFERS = 'demo/offers.demo.json';
let sim: SimulatedDataFast;
let served: MountedRouter;
let env: Record<string, string>;
let dataDir: string;

beforeAll(async () => {
  sim = await startSimulatedDataFast();
  dataDir = join(mkdtempSync(join(tmpdir(), 'vo-decide-')), 'data');
  env = { DATAFAST_API_KEY: SIM.apiKey, DATAFAST_API_URL: sim.url, OFFERS_CONFIG: OFFERS, DATA_DIR: dataDir };
  served = await mountRouter({ datafast: { apiKey: SIM.apiKey, apiUrl: sim.url }, offersFile: OFFERS, dataDir: join(dataDir, '..', 'served'), logLevel: 'silent' });
});
afterAll(async () => {
  await served.close();
  await sim.close();
});

interface Answer {
  offer: { id: string } | null;
  experiment: { id: string; variant: string } | null;
  segment: string;
  reason: string;
}

describe('visitor-offers decide', () => {
  it.each(Object.keys(personas) as PersonaName[])('gives the router’s decision for the %s persona on /pricing', async (name) => {
    const id = personas[name].visitorId;
    const r = await cli(['decide', '--visitor', id, '--path', '/pricing', '--json'], env);
    expect(r.stderr).toBe('');
    const printed = JSON.parse(r.stdout) as { decision: Answer };
    const res = await fetch(`${served.origin}/visitor-offers/offer?path=/pricing`, { headers: { cookie: `datafast_visitor_id=${id}` } });
    const live = (await res.json()) as Answer;
    expect({ offer: printed.decision.offer?.id ?? null, experiment: printed.decision.experiment, segment: printed.decision.segment, reason: printed.decision.reason }).toEqual({
      offer: live.offer?.id ?? null,
      experiment: live.experiment,
      segment: live.segment,
      reason: live.reason,
    });
  });

  it('with LOCAL_SCORE=when-missing, scores a visitor without a prediction as the router does', async () => {
    const visitorId = '7d1e2f30-4a5b-4c6d-8e7f-90a1b2c3d4e5';
    sim.addVisitor({
      visitorId,
      label: 'no prediction',
      description: 'a site without revenue attribution',
      status: 200,
      data: {
        visitorId,
        identity: { params: { utm_medium: 'email' }, device: { type: 'desktop' } },
        activity: { visitCount: 4, pageViewCount: 14, lastVisitAt: new Date().toISOString(), currentUrl: '/checkout', visitedPages: [{ url: '/pricing', timestamp: new Date().toISOString() }], completedGoals: [] },
        prediction: null,
      },
    });
    const r = await cli(['decide', '--visitor', visitorId, '--path', '/pricing', '--json'], { ...env, LOCAL_SCORE: 'when-missing' });
    expect(r.stderr).toBe('');
    const printed = JSON.parse(r.stdout) as { decision: Answer & { scoreSource?: string } };
    const local = await mountRouter({ datafast: { apiKey: SIM.apiKey, apiUrl: sim.url }, offersFile: OFFERS, dataDir: join(dataDir, '..', 'local'), logLevel: 'silent', localScore: { mode: 'when-missing' } });
    try {
      const res = await fetch(`${local.origin}/visitor-offers/offer?path=/pricing`, { headers: { cookie: `datafast_visitor_id=${visitorId}` } });
      const live = (await res.json()) as Answer & { scoreSource?: string };
      expect(live.scoreSource).toBe('local');
      expect({ offer: printed.decision.offer?.id ?? null, segment: printed.decision.segment, reason: printed.decision.reason, scoreSource: printed.decision.scoreSource }).toEqual({ offer: live.offer?.id ?? null, segment: live.segment, reason: live.reason, scoreSource: 'local' });
      const words = await cli(['decide', '--visitor', visitorId, '--path', '/pricing'], { ...env, LOCAL_SCORE: 'when-missing' });
      expect(words.stdout).toContain('(local score: DataFast has no prediction)');
    } finally {
      await local.close();
    }
  });

  it('explains in words: the prediction and segment, each rule tried, the decision', async () => {
    const r = await cli(['decide', '--visitor', personas.low.visitorId, '--path', '/pricing'], env);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe(`Visitor ${personas.low.visitorId}: DataFast says found`);
    expect(lines[1]).toMatch(/^ {2}score \d+(\.\d+)?, confidence [\d.]+ → segment low \(low < 40, high > 60, confidence ≥ 0\.5\)$/);
    expect(lines).toContain('Rules, in order (the first that matches decides):');
    expect(lines.filter((l) => l.startsWith('  ✗ '))[0]).toMatch(/^ {2}✗ [\w-]+: \w+ wants .+; found: .+$/);
    expect(lines.at(-1)).toMatch(/^Decision: [\w-]+ \(coupon, .+\): ".+" · reason rule:pricing-low-score$/);
  });

  it('says what DataFast answered for a bot and an unknown visitor', async () => {
    expect((await cli(['decide', '--visitor', personas.bot.visitorId], env)).stdout).toContain('DataFast says bot');
    const unknown = await cli(['decide', '--visitor', personas.unknown.visitorId], env);
    expect(unknown.stdout).toContain('Decision: no offer · reason unknown-visitor');
  });

  it('writes nothing: no data directory is created, no single-use code is handed out', async () => {
    await cli(['decide', '--visitor', personas.low.visitorId, '--path', '/pricing'], env);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('exits 1 and says why when DataFast cannot answer', async () => {
    sim.setFault({ kind: 'status', status: 500 });
    try {
      const r = await cli(['decide', '--visitor', personas.high.visitorId], env);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('DataFast says unavailable (server-error)');
    } finally {
      sim.setFault(null);
    }
  });

  it.each([
    [['decide'], '--visitor is required'],
    [['decide', '--visitor', 'not-a-uuid'], '--visitor must be a DataFast visitor id (a UUID v4)'],
    [['decide', '--visitor', personas.low.visitorId, '--path', 'pricing'], '--path must be a page path starting with "/"'],
    [['decide', '--visitr', 'x'], "Unknown option '--visitr'"],
  ])('is a usage error for %j', async (args, message) => {
    const r = await cli(args, env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it('names the setting that is wrong, never the key', async () => {
    const r = await cli(['decide', '--visitor', personas.low.visitorId], { ...env, DATAFAST_API_KEY: 'sk_live_s3cretvalue' });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('visitor-offers decide: DATAFAST_API_KEY: must start with df_ (website key) or dft_ (account token)\n');
  });
});

describe('visitor-offers', () => {
  it('gen-token prints a fresh 256-bit token each time', async () => {
    const [a, b] = await Promise.all([cli(['gen-token']), cli(['gen-token'])]);
    expect(a.stdout).toMatch(/^[A-Za-z0-9_-]{43}\n$/);
    expect(a.stdout).not.toBe(b.stdout);
  });

  it('lists its commands, and refuses an unknown one with exit 2', async () => {
    const help = await cli(['help']);
    expect(help.code).toBe(0);
    for (const command of ['check', 'serve', 'decide', 'results', 'schema', 'gen-token']) expect(help.stdout).toContain(`  ${command}`);
    const unknown = await cli(['deploy']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "deploy"');
  });
});
