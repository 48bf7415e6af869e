// The README's backend example for POST /conversions, run as written with curl against the real
// router (host and token substituted): it answers what the README says it answers, the first time
// and again.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import request from 'supertest';
import { expect, it } from 'vitest';
import { SIMULATED_DATAFAST_DEFAULTS as SIM } from '../../demo/simulated-datafast';
import { assign } from '../../server/experiments/assign';
import type { Experiment } from '../../server/experiments/types';
import { mountRouter } from '../support/mounted-router';
import { useRouteSuite } from '../support/route-suite';
import { exposeAsWidget } from '../support/decision-tokens';

const README = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
const TOKEN = 'conversions-token-for-the-readme-0123';
// The README's results example names this experiment.
const EXPERIMENT: Experiment = {
  id: 'pricing-coupon',
  coverage: 1,
  status: 'running',
  variants: [
    { id: 'control', weight: 1, offer: null },
    { id: 'coupon', weight: 1, offer: 'welcome-coupon' },
  ],
};

const suite = useRouteSuite('conversions-curl', { sim: { generateUnknown: true }, secrets: [TOKEN] });

/** The ```sh block of the Conversions section: its command lines and the `# …` answers after them. */
function example(): { command: string; answers: string[] } {
  const section = README.slice(README.indexOf('### Conversions'));
  const block = /```sh\n([\s\S]*?)\n```/.exec(section)?.[1];
  if (block === undefined) throw new Error('no sh block in the README’s Conversions section');
  const lines = block.split('\n');
  return { command: lines.filter((l) => !l.startsWith('#')).join('\n'), answers: lines.filter((l) => l.startsWith('#')) };
}

it('the curl example answers 201 with what it counted, then 200 duplicate, as the README shows', async () => {
  const { command, answers } = example();
  const visitor = /"visitorId":"([0-9a-f-]{36})"/.exec(command)?.[1];
  if (visitor === undefined) throw new Error('the example names no visitorId');
  const m = suite.track(
    await mountRouter({
      datafast: { apiKey: SIM.apiKey, apiUrl: suite.sim.url, timeoutMs: 400 },
      decisions: { experiments: [EXPERIMENT], rules: [{ id: 'ab', when: {}, then: { experiment: EXPERIMENT.id } }] },
      dataDir: mkdtempSync(join(suite.baseDir, 'r-')),
      conversionsToken: TOKEN,
      logger: suite.log.logger,
    }),
  );
  // The visitor saw the experiment first, as the README's answer assumes.
  expect(assign(EXPERIMENT, visitor)).not.toBeNull();
  const exposed = await exposeAsWidget(m.server, visitor);
  expect(exposed.status).toBe(202);

  const run = async (): Promise<string> => {
    const script = command.replace('https://shop.example.com', m.origin).replace(/^curl /, `curl -s -w '\\n%{http_code}' `);
    const { stdout } = await promisify(execFile)('bash', ['-c', script], { env: { ...process.env, CONVERSIONS_TOKEN: TOKEN } });
    const [body, status] = stdout.split('\n');
    return `# ${status} ${body}`;
  };
  expect(await run()).toBe(answers[0]?.replace(/\s+\(.*\)$/, ''));
  expect(await run()).toBe(answers[1]?.replace('the same again → ', ''));
});
