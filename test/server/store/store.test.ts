import { spawn } from 'node:child_process';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_STORE_FILE, Store } from '../../../server/store/store';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let dir: string;
let clock: number;
const now = (): number => clock;
const openStore = (): Promise<Store> => Store.open(dir, { now });

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'store-test-'));
  clock = 1_700_000_000_000;
});

afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

async function reopen(store: Store): Promise<Store> {
  await store.close();
  return openStore();
}

async function journalLines(): Promise<Record<string, unknown>[]> {
  const text = await readFile(join(dir, DEFAULT_STORE_FILE), 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Makes the next fdatasync of any file fail, as a disk error would. */
async function failNextSync(): Promise<void> {
  const handle = await open(join(dir, 'probe'), 'w');
  await handle.close();
  const proto = Object.getPrototypeOf(handle) as FileHandle;
  vi.spyOn(proto, 'datasync').mockRejectedValueOnce(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
}

describe('Store: leads', () => {
  it('adds durable leads with random ids, pending for every target until delivered', async () => {
    let store = await openStore();
    const first = await store.addLead({ email: 'a@example.com', offerId: 'guide', visitorId: 'v1' });
    clock += 1_000;
    const second = await store.addLead({ email: 'b@example.com', offerId: 'guide', visitorId: null });
    expect(first).toEqual({
      id: expect.stringMatching(UUID),
      email: 'a@example.com',
      offerId: 'guide',
      visitorId: 'v1',
      at: 1_700_000_000_000,
      delivered: { datafast: false, webhook: false },
    });
    expect(second.id).not.toBe(first.id);
    expect(second.at).toBe(1_700_000_001_000);
    expect(store.leadCount()).toBe(2);
    expect(store.pendingLeads(['datafast']).map((lead) => lead.id)).toEqual([first.id, second.id]);

    await store.markDelivered(first.id, 'datafast');
    expect(store.pendingLeads(['datafast']).map((lead) => lead.id)).toEqual([second.id]);
    expect(store.pendingLeads(['webhook']).map((lead) => lead.id)).toEqual([first.id, second.id]);
    expect(store.pendingLeads(['datafast', 'webhook']).map((lead) => lead.id)).toEqual([first.id, second.id]);
    expect(store.pendingLeads([])).toEqual([]);
    expect(store.lead(first.id)?.delivered).toEqual({ datafast: true, webhook: false });

    store = await reopen(store);
    expect(store.leadCount()).toBe(2);
    expect(store.lead(first.id)).toEqual({ ...first, delivered: { datafast: true, webhook: false } });
    expect(store.pendingLeads(['datafast']).map((lead) => lead.id)).toEqual([second.id]);

    await store.markDelivered(second.id, 'datafast');
    await store.markDelivered(second.id, 'webhook');
    await store.markDelivered(first.id, 'webhook');
    store = await reopen(store);
    expect(store.pendingLeads(['datafast', 'webhook'])).toEqual([]);
    expect(store.lead(second.id)?.delivered).toEqual({ datafast: true, webhook: true });
    await store.close();
  });

  it('keeps pending leads oldest first across reopen, whatever order they are delivered in', async () => {
    let store = await openStore();
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push((await store.addLead({ email: `${i}@example.com`, offerId: 'o', visitorId: null })).id);
    await store.markDelivered(ids[3]!, 'webhook');
    await store.markDelivered(ids[1]!, 'webhook');
    expect(store.pendingLeads(['webhook']).map((lead) => lead.id)).toEqual([ids[0], ids[2], ids[4]]);
    store = await reopen(store);
    expect(store.pendingLeads(['webhook']).map((lead) => lead.id)).toEqual([ids[0], ids[2], ids[4]]);
    expect(store.pendingLeads(['webhook', 'datafast']).map((lead) => lead.id)).toEqual(ids);
    await store.close();
  });

  it('markDelivered is idempotent, also when called twice at once, and rejects unknown leads', async () => {
    const store = await openStore();
    const lead = await store.addLead({ email: 'a@example.com', offerId: 'o', visitorId: null });
    await Promise.all([store.markDelivered(lead.id, 'datafast'), store.markDelivered(lead.id, 'datafast')]);
    await store.markDelivered(lead.id, 'datafast');
    expect((await journalLines()).filter((record) => record['t'] === 'delivered')).toHaveLength(1);
    await expect(store.markDelivered('no-such-lead', 'datafast')).rejects.toThrow('unknown lead no-such-lead');
    await store.close();
  });

  it('hands out copies: changing a returned lead does not change the store', async () => {
    const store = await openStore();
    const lead = await store.addLead({ email: 'a@example.com', offerId: 'o', visitorId: null });
    lead.delivered.datafast = true;
    lead.email = 'changed';
    const pending = store.pendingLeads(['datafast']);
    pending[0]!.delivered.datafast = true;
    expect(store.lead(lead.id)).toMatchObject({ email: 'a@example.com', delivered: { datafast: false } });
    expect(store.pendingLeads(['datafast'])).toHaveLength(1);
    await store.close();
  });

  it('a lead whose write fails is not stored and the call rejects', async () => {
    let store = await openStore();
    const kept = await store.addLead({ email: 'a@example.com', offerId: 'o', visitorId: null });
    await failNextSync();
    await expect(store.addLead({ email: 'lost@example.com', offerId: 'o', visitorId: null })).rejects.toThrow('EIO');
    expect(store.leadCount()).toBe(1);
    await failNextSync();
    await expect(store.markDelivered(kept.id, 'datafast')).rejects.toThrow('EIO');
    expect(store.lead(kept.id)?.delivered.datafast).toBe(false);
    expect(store.pendingLeads(['datafast'])).toHaveLength(1);
    store = await reopen(store);
    expect(store.leadCount()).toBe(1);
    expect(store.pendingLeads(['datafast']).map((lead) => lead.email)).toEqual(['a@example.com']);
    await store.close();
  });
});

describe('Store: first exposures', () => {
  it('records the first exposure once and keeps it stable across calls and reopen', async () => {
    let store = await openStore();
    expect(store.firstExposure('coupon', 'v1')).toBeUndefined();
    expect(await store.recordFirstExposure('coupon', 'v1')).toBe(clock);
    const first = clock;
    clock += 60_000;
    expect(await store.recordFirstExposure('coupon', 'v1')).toBe(first);
    expect(await store.recordFirstExposure('coupon', 'v1', 5)).toBe(first);
    expect(await store.recordFirstExposure('other-offer', 'v1', 5)).toBe(5);
    expect(store.firstExposure('coupon', 'v1')).toBe(first);
    expect(store.firstExposure('coupon', 'v2')).toBeUndefined();

    store = await reopen(store);
    expect(store.firstExposure('coupon', 'v1')).toBe(first);
    expect(store.firstExposure('other-offer', 'v1')).toBe(5);
    expect(await store.recordFirstExposure('coupon', 'v1')).toBe(first);
    await store.close();
  });

  it('two concurrent calls for one visitor store one exposure and agree on it', async () => {
    const store = await openStore();
    const answers = await Promise.all([
      store.recordFirstExposure('coupon', 'v1', 100),
      store.recordFirstExposure('coupon', 'v1', 200),
    ]);
    expect(answers).toEqual([100, 100]);
    expect((await journalLines()).filter((record) => record['t'] === 'first-exposure')).toHaveLength(1);
    await store.close();
  });

  it('rolls back a first exposure whose write fails', async () => {
    const store = await openStore();
    await failNextSync();
    await expect(store.recordFirstExposure('coupon', 'v1', 100)).rejects.toThrow('EIO');
    expect(store.firstExposure('coupon', 'v1')).toBeUndefined();
    expect(await store.recordFirstExposure('coupon', 'v1', 200)).toBe(200);
    await store.close();
  });
});

describe('Store: experiments', () => {
  it('counts one exposure per visitor and experiment, first variant wins', async () => {
    let store = await openStore();
    expect(await store.recordExposure('exp', 'control', 'v1')).toBe(true);
    expect(await store.recordExposure('exp', 'control', 'v1')).toBe(false);
    expect(await store.recordExposure('exp', 'b', 'v1')).toBe(false);
    expect(await store.recordExposure('exp', 'b', 'v2')).toBe(true);
    expect(await store.recordExposure('exp', 'b', 'v3')).toBe(true);
    expect(await store.recordExposure('exp2', 'x', 'v1')).toBe(true);
    expect(store.exposureOf('exp', 'v1')).toBe('control');
    expect(store.exposureOf('exp', 'v4')).toBeUndefined();
    expect(store.exposureOf('nope', 'v1')).toBeUndefined();
    const expected = new Map([
      ['control', { exposures: 1, conversions: 0 }],
      ['b', { exposures: 2, conversions: 0 }],
    ]);
    expect(store.experimentCounts('exp')).toEqual(expected);
    expect(store.experimentCounts('nope')).toEqual(new Map());
    expect(store.experimentIds()).toEqual(['exp', 'exp2']);

    store = await reopen(store);
    expect(store.experimentCounts('exp')).toEqual(expected);
    expect(store.exposureOf('exp', 'v1')).toBe('control');
    expect(await store.recordExposure('exp', 'b', 'v1')).toBe(false);
    expect(store.experimentIds()).toEqual(['exp', 'exp2']);
    await store.close();
  });

  it('concurrent exposures of one visitor count once', async () => {
    const store = await openStore();
    const answers = await Promise.all(Array.from({ length: 10 }, () => store.recordExposure('exp', 'b', 'v1')));
    expect(answers.filter(Boolean)).toHaveLength(1);
    expect(store.experimentCounts('exp').get('b')).toEqual({ exposures: 1, conversions: 0 });
    expect((await journalLines()).filter((record) => record['t'] === 'exposure')).toHaveLength(1);
    await store.close();
  });

  it('counts conversions only for exposed visitors, once each, for their exposed variant', async () => {
    let store = await openStore();
    expect(await store.recordConversion('exp', 'v1')).toBe(false); // unknown experiment
    await store.recordExposure('exp', 'control', 'v1');
    await store.recordExposure('exp', 'b', 'v2');
    expect(await store.recordConversion('exp', 'stranger')).toBe(false);
    expect(await store.recordConversion('exp', 'v2')).toBe(true);
    expect(await store.recordConversion('exp', 'v2')).toBe(false);
    expect(store.experimentCounts('exp')).toEqual(
      new Map([
        ['control', { exposures: 1, conversions: 0 }],
        ['b', { exposures: 1, conversions: 1 }],
      ]),
    );
    const concurrent = await Promise.all([store.recordConversion('exp', 'v1'), store.recordConversion('exp', 'v1')]);
    expect(concurrent.filter(Boolean)).toHaveLength(1);

    store = await reopen(store);
    expect(store.experimentCounts('exp')).toEqual(
      new Map([
        ['control', { exposures: 1, conversions: 1 }],
        ['b', { exposures: 1, conversions: 1 }],
      ]),
    );
    expect(await store.recordConversion('exp', 'v1')).toBe(false);
    expect(await store.recordConversion('exp', 'stranger')).toBe(false);
    await store.close();
  });

  it('a conversion asked for while the exposure is being stored waits for it and counts', async () => {
    const store = await openStore();
    const [exposed, converted] = await Promise.all([
      store.recordExposure('exp', 'b', 'v1'),
      store.recordConversion('exp', 'v1'),
    ]);
    expect([exposed, converted]).toEqual([true, true]);
    expect(store.experimentCounts('exp').get('b')).toEqual({ exposures: 1, conversions: 1 });
    await store.close();
  });

  it('rolls back an exposure whose write fails, and a conversion waiting on it does not count', async () => {
    let store = await openStore();
    await failNextSync();
    const [exposure, conversion] = await Promise.allSettled([
      store.recordExposure('exp', 'b', 'v1'),
      store.recordConversion('exp', 'v1'),
    ]);
    expect(exposure).toMatchObject({ status: 'rejected' });
    expect(conversion).toEqual({ status: 'fulfilled', value: false });
    expect(store.exposureOf('exp', 'v1')).toBeUndefined();
    expect(store.experimentCounts('exp')).toEqual(new Map());
    expect(store.experimentIds()).toEqual([]);

    expect(await store.recordExposure('exp', 'b', 'v1')).toBe(true);
    await failNextSync();
    await expect(store.recordConversion('exp', 'v1')).rejects.toThrow('EIO');
    expect(store.experimentCounts('exp').get('b')).toEqual({ exposures: 1, conversions: 0 });
    store = await reopen(store);
    expect(store.experimentCounts('exp').get('b')).toEqual({ exposures: 1, conversions: 0 });
    expect(await store.recordConversion('exp', 'v1')).toBe(true);
    await store.close();
  });
});

describe('Store: single-use coupon codes', () => {
  const pool = Array.from({ length: 150 }, (_, i) => `CODE-${String(i).padStart(3, '0')}`);

  it('200 concurrent visitors and a pool of 150: 150 distinct codes, 50 nulls, remembered after reopen', async () => {
    let store = await openStore();
    const visitors = Array.from({ length: 200 }, (_, i) => `visitor-${i}`);
    const codes = await Promise.all(visitors.map((visitor) => store.assignCouponCode('welcome', visitor, pool)));
    const assigned = codes.filter((code): code is string => code !== null);
    expect(assigned).toHaveLength(150);
    expect(new Set(assigned).size).toBe(150);
    expect(new Set(assigned)).toEqual(new Set(pool));
    expect(codes.filter((code) => code === null)).toHaveLength(50);
    expect(store.couponCodesUsed('welcome')).toBe(150);
    expect(store.couponCodesUsed('other')).toBe(0);
    visitors.forEach((visitor, i) => expect(store.couponCode('welcome', visitor)).toBe(codes[i] ?? undefined));

    store = await reopen(store);
    expect(store.couponCodesUsed('welcome')).toBe(150);
    visitors.forEach((visitor, i) => expect(store.couponCode('welcome', visitor)).toBe(codes[i] ?? undefined));
    for (const [i, visitor] of visitors.entries()) {
      expect(await store.assignCouponCode('welcome', visitor, pool)).toBe(codes[i]);
    }
    expect(await store.assignCouponCode('welcome', 'late-visitor', pool)).toBeNull();
    // New codes added to the pool go to the next visitors.
    expect(await store.assignCouponCode('welcome', 'late-visitor', [...pool, 'NEW-1', 'NEW-2'])).toBe('NEW-1');
    await store.close();
  });

  it('a visitor asking twice, at once or later, gets one code', async () => {
    let store = await openStore();
    const [first, second] = await Promise.all([
      store.assignCouponCode('welcome', 'v1', pool),
      store.assignCouponCode('welcome', 'v1', pool),
    ]);
    expect(first).toBe('CODE-000');
    expect(second).toBe('CODE-000');
    expect(await store.assignCouponCode('welcome', 'v1', pool)).toBe('CODE-000');
    expect(await store.assignCouponCode('welcome', 'v2', pool)).toBe('CODE-001');
    expect(store.couponCodesUsed('welcome')).toBe(2);
    expect((await journalLines()).filter((record) => record['t'] === 'coupon')).toHaveLength(2);
    store = await reopen(store);
    expect(await store.assignCouponCode('welcome', 'v1', pool)).toBe('CODE-000');
    expect(await store.assignCouponCode('welcome', 'v3', pool)).toBe('CODE-002');
    await store.close();
  });

  it('pools are per offer, and a code listed twice is still handed out once', async () => {
    const store = await openStore();
    expect(await store.assignCouponCode('a', 'v1', ['X', 'X', 'Y'])).toBe('X');
    expect(await store.assignCouponCode('a', 'v2', ['X', 'X', 'Y'])).toBe('Y');
    expect(await store.assignCouponCode('a', 'v3', ['X', 'X', 'Y'])).toBeNull();
    expect(await store.assignCouponCode('b', 'v1', ['X'])).toBe('X');
    expect(await store.assignCouponCode('c', 'v1', [])).toBeNull();
    expect(store.couponCode('c', 'v1')).toBeUndefined();
    await store.close();
  });

  it('a code whose write fails goes back to the pool', async () => {
    let store = await openStore();
    expect(await store.assignCouponCode('welcome', 'v1', pool)).toBe('CODE-000');
    await failNextSync();
    await expect(store.assignCouponCode('welcome', 'v2', pool)).rejects.toThrow('EIO');
    expect(store.couponCode('welcome', 'v2')).toBeUndefined();
    expect(store.couponCodesUsed('welcome')).toBe(1);
    expect(await store.assignCouponCode('welcome', 'v3', pool)).toBe('CODE-001');
    store = await reopen(store);
    expect(store.couponCode('welcome', 'v2')).toBeUndefined();
    expect(store.couponCode('welcome', 'v3')).toBe('CODE-001');
    await store.close();
  });
});

describe('Store: file', () => {
  it('uses the given file name and survives a torn last line', async () => {
    let store = await Store.open(dir, { fileName: 'custom.jsonl', now });
    const lead = await store.addLead({ email: 'a@example.com', offerId: 'o', visitorId: null });
    await store.close();
    const path = join(dir, 'custom.jsonl');
    await writeFile(path, `${await readFile(path, 'utf8')}{"t":"lead","id":"torn`);
    store = await Store.open(dir, { fileName: 'custom.jsonl', now });
    expect(store.lead(lead.id)?.email).toBe('a@example.com');
    expect(store.leadCount()).toBe(1);
    await store.addLead({ email: 'b@example.com', offerId: 'o', visitorId: null });
    await store.close();
    store = await Store.open(dir, { fileName: 'custom.jsonl', now });
    expect(store.leadCount()).toBe(2);
    await store.close();
  });

  it('ignores unknown record types and references to unknown leads or unexposed visitors', async () => {
    await writeFile(
      join(dir, DEFAULT_STORE_FILE),
      [
        '{"t":"from-the-future","x":1}',
        '{"t":"delivered","id":"ghost","target":"datafast","at":1}',
        '{"t":"conversion","experimentId":"exp","visitorId":"v1","at":1}',
        '{"t":"exposure","experimentId":"exp","variantId":"b","visitorId":"v1","at":2}',
        '{"t":"lead","id":"L1","email":"a@example.com","offerId":"o","visitorId":null,"at":3}',
        '{"t":"delivered","id":"L1","target":"carrier-pigeon","at":4}',
        '',
      ].join('\n'),
    );
    const store = await openStore();
    expect(store.leadCount()).toBe(1);
    expect(store.lead('L1')?.delivered).toEqual({ datafast: false, webhook: false });
    expect(store.experimentCounts('exp')).toEqual(new Map([['b', { exposures: 1, conversions: 0 }]]));
    await store.close();
  });

  it('refuses a known record with bad fields, naming the line', async () => {
    const path = join(dir, DEFAULT_STORE_FILE);
    await writeFile(path, '{"t":"lead","id":"L1","email":"a@example.com","offerId":"o","visitorId":null,"at":3}\n{"t":"coupon","offerId":"o"}\n');
    await expect(openStore()).rejects.toThrow(`${path}:2: malformed "coupon" record: bad or missing field "visitorId"`);
    await writeFile(path, '[1,2]\n');
    await expect(openStore()).rejects.toThrow(`${path}:1: malformed record: not a JSON object`);
  });
});

describe('Store: crash', () => {
  let bundle: string;
  let buildDir: string;

  beforeAll(async () => {
    buildDir = await mkdtemp(join(tmpdir(), 'store-bundle-'));
    bundle = join(buildDir, 'store.mjs');
    await build({
      entryPoints: [fileURLToPath(new URL('../../../server/store/store.ts', import.meta.url))],
      outfile: bundle,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'silent',
    });
  });

  afterAll(async () => {
    await rm(buildDir, { recursive: true, force: true });
  });

  it('every lead acknowledged before a SIGKILL is there after reopening', async () => {
    const script = join(dir, 'writer.mjs');
    const dataDir = join(dir, 'data');
    // Eight writers at once, so the kill lands while batches are being written and synced.
    await writeFile(
      script,
      `const { Store } = await import(${JSON.stringify(pathToFileURL(bundle).href)});
const store = await Store.open(${JSON.stringify(dataDir)});
let n = 0;
async function writer() {
  for (;;) {
    const lead = await store.addLead({ email: 'lead' + n++ + '@example.com', offerId: 'guide', visitorId: null });
    process.stdout.write(lead.id + '\\n');
  }
}
await Promise.all(Array.from({ length: 8 }, writer));
`,
    );
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acknowledged: string[] = [];
    let stderr = '';
    let partial = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      acknowledged.push(...lines);
      if (acknowledged.length >= 50) child.kill('SIGKILL');
    });
    const signal = await exited;
    expect(stderr).toBe('');
    expect(signal).toBe('SIGKILL');
    expect(acknowledged.length).toBeGreaterThanOrEqual(50);

    const store = await Store.open(dataDir);
    const missing = acknowledged.filter((id) => store.lead(id) === undefined);
    expect(missing).toEqual([]);
    expect(store.leadCount()).toBeGreaterThanOrEqual(acknowledged.length);
    expect(store.pendingLeads(['datafast']).length).toBe(store.leadCount());
    // The store is usable after the crash: a new lead lands after whatever the crash left.
    await store.addLead({ email: 'after@example.com', offerId: 'guide', visitorId: null });
    await store.close();
    const reopened = await Store.open(dataDir);
    expect(reopened.leadCount()).toBe(store.leadCount());
    await reopened.close();
  });
});
