// `visitor-offers decide` with ANALYTICS_PROVIDER=postmetric: PostMetric ids (not UUIDs) are taken,
// the simulated PostMetric is asked, and the answer names it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTMETRIC_PERSONA_IDS } from '../../../demo/postmetric-personas';
import { SIMULATED_POSTMETRIC_DEFAULTS as SIM, startSimulatedPostMetric, type SimulatedPostMetric } from '../../../demo/simulated-postmetric';
import { cli } from './run-cli';

let sim: SimulatedPostMetric;
let env: Record<string, string>;

beforeAll(async () => {
  sim = await startSimulatedPostMetric();
  env = { ANALYTICS_PROVIDER: 'postmetric', POSTMETRIC_API_KEY: SIM.apiKey, POSTMETRIC_API_URL: sim.url, OFFERS_CONFIG: 'demo/offers.demo.json' };
});
afterAll(async () => {
  await sim.close();
});

describe('visitor-offers decide with PostMetric', () => {
  it('asks PostMetric about a PostMetric id and says so', async () => {
    const r = await cli(['decide', '--visitor', POSTMETRIC_PERSONA_IDS.docsExample, '--path', '/pricing'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Visitor visitor_123: PostMetric says found');
    expect(sim.calls.map((c) => c.query.visitorId)).toEqual(['visitor_123']);
  });

  it('refuses an id outside PostMetric’s charset before any call', async () => {
    const r = await cli(['decide', '--visitor', 'bad/id'], env);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('--visitor must be a PostMetric visitor id');
  });
});
