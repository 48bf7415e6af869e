// Issue 3, point 5: "A test kills the server between accept and forward and shows the lead
// delivered after restart, exactly once."
//
// The built standalone server (dist/server/main.js, as `npm run serve` runs it) takes a lead while
// the owner's webhook hangs: the lead is stored and answered 202 with its deliveries queued in the
// outbox, DataFast gets its goal, the webhook delivery is in flight. The server is then SIGKILLed —
// no shutdown, no flush. With the webhook healthy again, a second server on the same DATA_DIR
// delivers the lead: the webhook accepts it exactly once (same idempotency key), and DataFast
// never gets a second goal. (A loop of such kills under load: test/server/delivery/outbox-kill9.test.ts.)
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { personas } from '../../demo/personas';
import { SIMULATED_DATAFAST_DEFAULTS as SIM, startSimulatedDataFast, type SimulatedDataFast } from '../../demo/simulated-datafast';
import { openStore } from '../../server/store/open-store';
import { readSqlite } from '../../server/store/sqlite';
import { startReceiver, type Receiver } from '../support/http-receiver';
import { eventually, sleep, waitFor } from '../support/wait';
import { leadBodyFor, TEST_SECRET } from '../support/decision-tokens';

const MAIN = 'dist/server/main.js'; // built by `npm test` before vitest runs
const VISITOR = personas.lowConfidence.visitorId;

const postLead = (url: string, email: string, visitor: string): Promise<Response> =>
  fetch(`${url}/visitor-offers/leads`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      origin: url,
      'sec-fetch-site': 'same-origin',
      cookie: `datafast_visitor_id=${visitor}`,
    },
    body: leadBodyFor(visitor, email),
  });

interface Running {
  child: ChildProcess;
  url: string;
  output: () => string;
}

let sim: SimulatedDataFast;
let hook: Receiver;
let baseDir: string;
let dataDir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  sim = await startSimulatedDataFast();
  hook = await startReceiver();
  baseDir = mkdtempSync(join(tmpdir(), 'vo-restart-'));
});
beforeEach(() => {
  dataDir = mkdtempSync(join(baseDir, 'data-'));
  hook.requests.length = 0;
  sim.setFault(null);
  sim.resetCalls();
});
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  }
});
afterAll(async () => {
  await hook.close();
  await sim.close();
  rmSync(baseDir, { recursive: true, force: true });
});

/** Waits until the lead is marked delivered to `target` in the data directory (read beside the running server). */
async function waitForDelivered(dir: string, leadId: string, target: 'datafast' | 'webhook'): Promise<void> {
  const db = readSqlite(dir);
  if (db === null) throw new Error('no database yet');
  const column = target === 'datafast' ? 'delivered_datafast' : 'delivered_webhook';
  try {
    await eventually(async () => Number((await db.selectFrom('vo_leads').select(column).where('id', '=', leadId).executeTakeFirst())?.[column] ?? 0) === 1, `the lead marked delivered to ${target}`);
  } finally {
    await db.destroy();
  }
}

/** Starts the built server on DATA_DIR and resolves with its URL once it is listening. */
async function startServer(): Promise<Running> {
  const child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH ?? '',
      DATAFAST_API_KEY: SIM.apiKey,
      DATAFAST_API_URL: sim.url,
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LEADS_WEBHOOK_URL: hook.url,
      VISITOR_OFFERS_SECRET: TEST_SECRET,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line in: ${out}`)), 10_000);
    child.once('exit', (code) => reject(new Error(`server exited (${String(code)}) before listening: ${out}`)));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/[^/]+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
  });
  return { child, url, output: () => out };
}

describe('a lead accepted just before the server is killed', () => {
  it('is delivered after restart, exactly once, to the webhook and to DataFast', async () => {
    // Run 1: the owner's webhook takes the request and never answers.
    hook.setMode({ kind: 'hang' });
    const first = await startServer();
    const res = await postLead(first.url, 'kill.test@example.com', VISITOR);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ ok: true });

    // Delivery is under way: the webhook request hangs, and DataFast (worked apart from the
    // webhook) got its goal, and recorded it delivered.
    const hung = await waitFor(() => hook.requests[0], 'the webhook attempt of run 1');
    expect(hung.status).toBeNull();
    const leadId = String(hung.headers['idempotency-key']);
    expect(leadId).toMatch(/^[0-9a-f-]{36}$/);
    const goalsForVisitor = () => sim.goals.filter((g) => g.name === 'offer_lead' && g.visitorId === VISITOR);
    await waitFor(() => goalsForVisitor().length === 1, 'the DataFast goal of run 1');
    await waitForDelivered(dataDir, leadId, 'datafast');

    // Killed between accept and forward: no graceful shutdown of any kind.
    first.child.kill('SIGKILL');
    const [, signal] = (await once(first.child, 'exit')) as [number | null, NodeJS.Signals | null];
    expect(signal).toBe('SIGKILL');
    expect(hook.accepted()).toHaveLength(0);

    // Run 2: the webhook is healthy again; the server replays the store and delivers what is pending.
    hook.setMode({ kind: 'ok' });
    const second = await startServer();
    const delivered = await waitFor(() => hook.accepted()[0], 'the webhook delivery after restart', { timeoutMs: 15_000 });
    expect(delivered.headers['idempotency-key']).toBe(leadId);
    expect(delivered.body).toEqual({
      id: leadId,
      email: 'kill.test@example.com',
      offerId: 'starter-guide',
      visitorId: VISITOR,
      createdAt: expect.any(String),
    });

    // Long enough for a retry (a first retry comes within 0.5 s): still exactly once.
    await sleep(1500);
    expect(hook.accepted()).toHaveLength(1);
    expect(hook.requests.map((r) => r.headers['idempotency-key'])).toEqual([leadId, leadId]);
    // DataFast's copy was delivered and recorded in run 1: not sent again.
    expect(goalsForVisitor()).toHaveLength(1);

    // A graceful stop, then the data directory says: delivered everywhere.
    second.child.kill('SIGTERM');
    await once(second.child, 'exit');
    const store = await openStore({ dataDir });
    try {
      expect(await store.leadCount()).toBe(1);
      expect(await store.lead(leadId)).toMatchObject({ email: 'kill.test@example.com', delivered: { datafast: true, webhook: true } });
    } finally {
      await store.close();
    }
    for (const out of [first.output(), second.output()]) {
      expect(out).not.toContain(SIM.apiKey);
      expect(out).not.toContain('kill.test@example.com');
    }
  });

  it('is delivered after restart exactly once when DataFast was down too (nothing forwarded before the kill)', async () => {
    const visitor = personas.low.visitorId;
    sim.setFault({ kind: 'status', status: 503 }, { match: 'goals' });
    hook.setMode({ kind: 'hang' });
    const first = await startServer();
    expect((await postLead(first.url, 'down.too@example.com', visitor)).status).toBe(202);
    const hung = await waitFor(() => hook.requests[0], 'the webhook attempt of run 1');
    const leadId = String(hung.headers['idempotency-key']);
    await waitFor(() => sim.callCount('goals') >= 1, 'the DataFast attempt of run 1');
    expect(sim.goals).toHaveLength(0);
    first.child.kill('SIGKILL');
    await once(first.child, 'exit');

    sim.setFault(null);
    hook.setMode({ kind: 'ok' });
    await startServer();
    await waitFor(() => hook.accepted()[0], 'the webhook delivery after restart', { timeoutMs: 15_000 });
    await waitFor(() => sim.goals.length > 0, 'the DataFast goal after restart', { timeoutMs: 15_000 });
    await sleep(1500);
    expect(hook.accepted().map((r) => r.headers['idempotency-key'])).toEqual([leadId]);
    expect(sim.goals.map((g) => [g.name, g.visitorId, g.metadata])).toEqual([['offer_lead', visitor, { offer: 'starter-guide' }]]);
  });
});
