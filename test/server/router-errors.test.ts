// A failure of our own while deciding is named for what it is: `reason: "internal-error"`, logged at
// error level by the router's default logger (pino on stderr at info) — never blamed on DataFast.
// Run as a separate process with the built package, so the default logger writes to a real stderr.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personas } from '../../demo/personas';
import { SIMULATED_DATAFAST_DEFAULTS as SIM, startSimulatedDataFast, type SimulatedDataFast } from '../../demo/simulated-datafast';

const run = promisify(execFile);
const INDEX = resolve('dist/server/index.js'); // built by `npm test` before vitest runs

/**
 * Mounts the router with no logger option and asks for one decision. `breakDates` makes Date's
 * toISOString throw, as it does for an invalid date: the failure an urgency offer once hit.
 */
const script = (apiUrl: string, dataDir: string, logLevel: string | null, breakDates: boolean): string => `
import express from 'express';
import { visitorOffers } from ${JSON.stringify(INDEX)};
const router = visitorOffers({
  datafast: { apiKey: ${JSON.stringify(SIM.apiKey)}, apiUrl: ${JSON.stringify(apiUrl)} },
  dataDir: ${JSON.stringify(dataDir)},
  offers: [{ id: 'ends', kind: 'urgency', headline: 'Ends soon', body: 'B', deadline: '2999-01-01T00:00:00Z' }],
  bySegment: { high: 'ends' },
  ${logLevel === null ? '' : `logLevel: ${JSON.stringify(logLevel)},`}
});
const app = express().use('/vo', router);
const server = app.listen(0, '127.0.0.1', async () => {
  ${breakDates ? "Date.prototype.toISOString = () => { throw new RangeError('Invalid time value'); };" : ''}
  const res = await fetch('http://127.0.0.1:' + server.address().port + '/vo/offer?path=/', { headers: { cookie: 'datafast_visitor_id=${personas.high.visitorId}' } });
  process.stdout.write(await res.text());
  server.close();
  await router.close(100);
});
`;

describe('an internal failure while deciding', () => {
  let sim: SimulatedDataFast;
  beforeAll(async () => {
    sim = await startSimulatedDataFast();
  });
  afterAll(async () => {
    await sim.close();
  });

  const decide = async (logLevel: string | null, breakDates: boolean): Promise<{ body: { reason: string; offer: unknown }; stderr: string }> => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vo-errors-'));
    const { stdout, stderr } = await run(process.execPath, ['--input-type=module', '-e', script(sim.url, dataDir, logLevel, breakDates)], { timeout: 15_000 });
    return { body: JSON.parse(stdout) as { reason: string; offer: unknown }, stderr };
  };

  it('answers reason "internal-error" with no offer, and the default logger reports it on stderr at error level', async () => {
    const { body, stderr } = await decide(null, true);
    expect(body).toMatchObject({ offer: null, reason: 'internal-error' });
    const errors = stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: number; msg: string; err?: string });
    expect(errors).toContainEqual(expect.objectContaining({ level: 50, msg: 'offer decision failed' }));
    expect(errors.find((e) => e.level === 50)?.err).toContain('Invalid time value');
    expect(stderr).not.toContain(SIM.apiKey);
  });

  it('is not what a working decision answers (the same setup, dates intact, decides the offer)', async () => {
    const { body } = await decide(null, false);
    expect(body).toMatchObject({ reason: 'rule:default-high', offer: { id: 'ends', endsAt: '2999-01-01T00:00:00.000Z' } });
  });

  it('is silent only when asked: logLevel "silent"', async () => {
    const { body, stderr } = await decide('silent', true);
    expect(body.reason).toBe('internal-error');
    expect(stderr).toBe('');
  });
});
