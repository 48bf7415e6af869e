// The visitor cache's second level, in Redis, shared by every instance, with cross-instance
// coalescing: N instances asking for one cold visitor at once make one DataFast call.
//
// - read(): one round trip (a Lua script): a fresh entry if Redis has one; otherwise a lease
//   (SET NX PX) for this instance to make the call, or word that another instance holds it. An
//   entry past its fresh life but within its stale-if-error window comes along either way, so
//   stale-if-error works for an instance that never saw the visitor.
// - waitFor(): polls until the lease holder's entry appears (fresh), its call failed (the lease
//   then says why, briefly), the lease is gone without an entry, or the lookup budget is spent;
//   in the last two cases the caller makes its own call.
// - publish(): after the call, the entry (or its removal) and the lease's release in one round
//   trip; the caller does not wait for it.
// Times are absolute (epoch ms) and travel with the entry, so a record's fresh, negative and
// stale-if-error lives end at the same moment on every instance. Each operation is bounded by the
// link's budget; a failure or overrun makes the caller use its own cache and call (RedisLink).
//
// In Redis: `vo:v:{name}` holds `<expiresAt>|<staleUntil>|<sealed encodeLookup()>` with a TTL at
// its stale-if-error end, `vo:l:{name}` the lease. `name` is the keyring's pseudonym of the visitor
// id, the value sealed (redis/keyring.ts). Both keys share a hash tag, as Lua scripts need.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { UnavailableCause } from '../datafast/lookup.js';
import type { RedisKeyring } from '../redis/keyring.js';
import { LOCAL, type RedisLink } from '../redis/redis-link.js';
import { decodeLookup, encodeLookup, type CachedLookup } from './visitor-codec.js';

/** A cached answer and its lives (epoch ms), as the visitor cache keeps it. */
export interface CachedAnswer {
  value: CachedLookup;
  /** Fresh while now < expiresAt. */
  expiresAt: number;
  /** Usable as a stale-if-error fallback while now < staleUntil. */
  staleUntil: number;
}

export type FleetRead =
  /** Redis has a fresh entry. */
  | { kind: 'fresh'; entry: CachedAnswer }
  /** This instance holds the lease: it makes the call, then publish() with the token. */
  | { kind: 'lease'; token: string; entry: CachedAnswer | undefined }
  /** Another instance holds the lease: waitFor() its answer. */
  | { kind: 'wait'; entry: CachedAnswer | undefined }
  /** Redis was not used (down) or failed: make the call alone. */
  | { kind: 'local' };

export type FleetWait =
  | { kind: 'fresh'; entry: CachedAnswer }
  /** The lease holder's call found DataFast unavailable: as if this instance's own call had. */
  | { kind: 'unavailable'; cause: UnavailableCause }
  /** No answer in time, the lease gone without one, or Redis failed: make the call alone. */
  | { kind: 'own-call' };

/** What a call's outcome does to the shared entry. */
export type FleetChange = { kind: 'set'; entry: CachedAnswer } | { kind: 'delete' } | { kind: 'keep' } | { kind: 'unavailable'; cause: UnavailableCause };

export interface SharedVisitorsOptions {
  link: RedisLink;
  keyring: RedisKeyring;
  /** How long a waiting instance waits for the lease holder's answer: the lookup budget (datafast.timeoutMs). */
  waitMs: number;
  /** Between two looks while waiting. Default 15 ms. */
  pollMs?: number;
  now?: () => number;
}

const READ = `
local v = redis.call('GET', KEYS[1])
if v then
  local sep = string.find(v, '|', 1, true)
  local expires = sep and tonumber(string.sub(v, 1, sep - 1))
  if expires and expires > tonumber(ARGV[1]) then return {'fresh', v} end
end
if redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[3]) then return {'lease', v} end
return {'wait', v}`;

const LOOK = `
local v = redis.call('GET', KEYS[1])
if v then
  local sep = string.find(v, '|', 1, true)
  local expires = sep and tonumber(string.sub(v, 1, sep - 1))
  if expires and expires > tonumber(ARGV[1]) then return {'fresh', v} end
end
local l = redis.call('GET', KEYS[2])
if not l then return {'gone'} end
if string.sub(l, 1, 2) == 'u:' then return {'unavailable', string.sub(l, 3)} end
return {'wait'}`;

// ARGV: change (set, delete, keep), value, ttl ms, lease token ('' when none), failure marker ('' when none), its ttl ms.
const PUBLISH = `
if ARGV[1] == 'set' then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
elseif ARGV[1] == 'delete' then redis.call('DEL', KEYS[1]) end
if ARGV[4] ~= '' and redis.call('GET', KEYS[2]) == ARGV[4] then
  if ARGV[5] ~= '' then redis.call('SET', KEYS[2], ARGV[5], 'PX', ARGV[6]) else redis.call('DEL', KEYS[2]) end
end
return 1`;

const CAUSES: ReadonlySet<string> = new Set<UnavailableCause>(['timeout', 'network', 'server-error', 'malformed', 'too-large', 'rate-limited', 'auth', 'paused', 'budget']);

type Script = (...args: Array<string | number | Buffer>) => Promise<unknown>;

export class SharedVisitors {
  readonly #link: RedisLink;
  readonly #keyring: RedisKeyring;
  readonly #waitMs: number;
  readonly #pollMs: number;
  readonly #leaseMs: number;
  /** How long a failed call's word stays on its lease: long enough for every waiter to see it. */
  readonly #markerMs: number;
  readonly #now: () => number;
  readonly #read: Script;
  readonly #look: Script;
  readonly #publish: Script;

  constructor(options: SharedVisitorsOptions) {
    this.#link = options.link;
    this.#keyring = options.keyring;
    this.#waitMs = options.waitMs;
    this.#pollMs = options.pollMs ?? 15;
    // The holder's call ends within the lookup budget; a holder that died frees the lease soon after.
    this.#leaseMs = options.waitMs + 4 * options.link.budgetMs;
    this.#markerMs = 4 * this.#pollMs + 2 * options.link.budgetMs;
    this.#now = options.now ?? Date.now;
    const client = options.link.client;
    this.#read = script(client, 'visitorOffersRead', READ);
    this.#look = script(client, 'visitorOffersLook', LOOK);
    this.#publish = script(client, 'visitorOffersPublish', PUBLISH);
  }

  usable(): boolean {
    return this.#link.usable();
  }

  async read(visitorId: string): Promise<FleetRead> {
    const name = this.#keyring.name('visitor', visitorId);
    const token = randomUUID();
    const reply = await this.#link.run(() => this.#read(...keys(name), this.#now(), token, this.#leaseMs));
    if (reply === LOCAL || !Array.isArray(reply)) return { kind: 'local' };
    const [kind, raw] = reply as [Buffer, Buffer | null];
    const entry = raw instanceof Buffer ? this.#open(raw, name, visitorId) : undefined;
    switch (kind.toString()) {
      case 'fresh':
        return entry === undefined ? { kind: 'local' } : { kind: 'fresh', entry };
      case 'lease':
        return { kind: 'lease', token, entry };
      default:
        return { kind: 'wait', entry };
    }
  }

  async waitFor(visitorId: string): Promise<FleetWait> {
    const name = this.#keyring.name('visitor', visitorId);
    const deadline = this.#now() + this.#waitMs;
    for (;;) {
      const left = deadline - this.#now();
      if (left <= 0) return { kind: 'own-call' };
      await sleep(Math.min(this.#pollMs, left));
      const reply = await this.#link.run(() => this.#look(...keys(name), this.#now()));
      if (reply === LOCAL || !Array.isArray(reply)) return { kind: 'own-call' };
      const [kind, detail] = reply as [Buffer, Buffer | undefined];
      switch (kind.toString()) {
        case 'fresh': {
          const entry = detail === undefined ? undefined : this.#open(detail, name, visitorId);
          return entry === undefined ? { kind: 'own-call' } : { kind: 'fresh', entry };
        }
        case 'unavailable': {
          const cause = detail?.toString() ?? '';
          return CAUSES.has(cause) ? { kind: 'unavailable', cause: cause as UnavailableCause } : { kind: 'own-call' };
        }
        case 'gone':
          return { kind: 'own-call' };
      }
    }
  }

  /**
   * Shares a call's outcome and releases the lease (`token`, null when this instance had none). Not
   * awaited. While this instance's link is marked down, the lease holder still tries (one bounded
   * attempt): otherwise the instances waiting on its lease would wait their whole budget for it.
   */
  publish(visitorId: string, change: FleetChange, token: string | null): void {
    if (token === null && !this.#link.usable()) return;
    if (change.kind === 'keep' && token === null) return;
    const name = this.#keyring.name('visitor', visitorId);
    let mode: string = change.kind === 'unavailable' ? 'keep' : change.kind;
    let value: Buffer = Buffer.alloc(0);
    let ttl = 0;
    if (change.kind === 'set') {
      ttl = change.entry.staleUntil - this.#now();
      if (ttl > 0) value = this.#seal(change.entry, name);
      else mode = 'delete';
    }
    const marker = change.kind === 'unavailable' ? `u:${change.cause}` : '';
    void this.#link.attempt(() => this.#publish(...keys(name), mode, value, Math.max(1, Math.ceil(ttl)), token ?? '', marker, this.#markerMs));
  }

  #seal(entry: CachedAnswer, name: string): Buffer {
    const clear = `${entry.expiresAt}|${entry.staleUntil}|`;
    return Buffer.concat([Buffer.from(clear), this.#keyring.seal(Buffer.from(encodeLookup(entry.value)), name, clear)]);
  }

  #open(raw: Buffer, name: string, visitorId: string): CachedAnswer | undefined {
    const first = raw.indexOf(0x7c); // '|'
    const second = first < 0 ? -1 : raw.indexOf(0x7c, first + 1);
    if (second < 0) return undefined;
    const clear = raw.subarray(0, second + 1).toString('latin1');
    const expiresAt = Number(raw.subarray(0, first).toString('latin1'));
    const staleUntil = Number(raw.subarray(first + 1, second).toString('latin1'));
    if (!Number.isSafeInteger(expiresAt) || !Number.isSafeInteger(staleUntil)) return undefined;
    const plain = this.#keyring.open(raw.subarray(second + 1), name, clear);
    const value = plain === null ? null : decodeLookup(plain.toString('utf8'), visitorId);
    return value === null ? undefined : { value, expiresAt, staleUntil };
  }
}

function keys(name: string): [string, string] {
  return [`vo:v:{${name}}`, `vo:l:{${name}}`];
}

/** A Lua script as an ioredis command (EVALSHA, EVAL when Redis lost it) whose replies come as Buffers. */
function script(client: Redis, name: string, lua: string): Script {
  const commands = client as unknown as Record<string, Script | undefined>;
  if (commands[name] === undefined) client.defineCommand(name, { numberOfKeys: 2, lua });
  const command = commands[`${name}Buffer`];
  if (command === undefined) throw new Error(`ioredis did not define ${name}`);
  return (...args) => command.apply(client, args);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
