// The router's connection to Redis (ioredis) and the rule every shared part follows: an operation
// has a budget (50 ms); one that fails or overruns it is answered locally, and the link is marked
// down so the next ones do not even try — they use this instance's own cache and limits at once —
// until a PING answers within the budget again (tried when ioredis reconnects, and every second
// while connected but down: a hung or slow Redis keeps its connection). Down and back are logged
// once each. Nothing waits for Redis at start: the connect is lazy and not awaited.
//
// Nothing grows while Redis is away: no offline queue (a command while disconnected fails at once),
// one retry per command at most, reconnects forever with a backoff capped at 2 s, and while down
// no command is sent but one PING at a time.
import { Redis, ReplyError } from 'ioredis';
import type { Logger } from '../logger.js';

export type RedisState = 'connecting' | 'up' | 'down' | 'closed';

export interface RedisLinkOptions {
  url: string;
  logger: Logger;
  /** Most time one operation may take, in ms. Default 50. */
  budgetMs?: number;
  /** While connected but down, a PING this often, in ms. Default 1000. */
  recheckMs?: number;
  now?: () => number;
}

export interface RedisLinkStats {
  state: RedisState;
  /** When the link entered this state (epoch ms). */
  since: number;
  /** Operations answered locally: Redis was down, or the operation failed or overran its budget. */
  fallbacks: number;
  /** Operations that overran the budget. */
  timeouts: number;
  /** Operations Redis or the connection failed. */
  errors: number;
  /** Times the link went down. */
  outages: number;
}

/** What `run` answers when Redis was not used or did not answer in time: do it locally. */
export const LOCAL: unique symbol = Symbol('local');
export type Local = typeof LOCAL;

type Outcome<T> = { kind: 'ok'; value: T } | { kind: 'timeout' } | { kind: 'error'; error: unknown };

export const DEFAULT_REDIS_BUDGET_MS = 50;
/** Distinct Redis error replies logged (each once); the rest are only counted. */
const REPLY_ERRORS_LOGGED = 10;

export class RedisLink {
  readonly client: Redis;
  readonly budgetMs: number;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #timer: NodeJS.Timeout;
  readonly #upListeners = new Set<() => void>();
  readonly #replyErrors = new Set<string>();
  #state: RedisState = 'connecting';
  #since: number;
  #pingOut = false;
  #fallbacks = 0;
  #timeouts = 0;
  #errors = 0;
  #outages = 0;

  constructor(options: RedisLinkOptions) {
    this.budgetMs = options.budgetMs ?? DEFAULT_REDIS_BUDGET_MS;
    this.#log = options.logger;
    this.#now = options.now ?? Date.now;
    this.#since = this.#now();
    this.client = new Redis(options.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
      retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2_000),
    });
    // Without a listener an 'error' event would be thrown; each one is a reason to be down.
    this.client.on('error', (err: unknown) => this.#down(describe(err)));
    this.client.on('close', () => this.#down('connection closed'));
    this.client.on('ready', () => this.#check());
    this.client.connect().catch(() => undefined); // reported by the 'error' event
    const recheck = options.recheckMs ?? 1_000;
    this.#timer = setInterval(() => {
      if (this.#state === 'down' && this.client.status === 'ready') this.#check();
    }, recheck);
    this.#timer.unref();
  }

  /** True when operations go to Redis (else they are answered locally without trying). */
  usable(): boolean {
    return this.#state === 'up';
  }

  /**
   * One operation within the budget: its value, or LOCAL when Redis is down or the operation
   * failed or overran the budget (then the link is down until a PING answers in time). Never rejects.
   */
  async run<T>(op: (client: Redis) => Promise<T>): Promise<T | Local> {
    if (this.#state !== 'up') {
      this.#fallbacks++;
      return LOCAL;
    }
    const outcome = await this.#bounded(op);
    if (outcome.kind === 'ok') return outcome.value;
    this.#fallbacks++;
    if (outcome.kind === 'timeout') {
      this.#timeouts++;
      this.#down(`no answer within ${this.budgetMs} ms`);
    } else {
      this.#errors++;
      // Redis answered with an error (out of memory, a read-only replica): it is there and fast, so
      // the link stays up and only this operation is local; each kind of error is logged once.
      if (outcome.error instanceof ReplyError) this.#replyError(outcome.error as Error);
      else this.#down(describe(outcome.error));
    }
    return LOCAL;
  }

  /**
   * run(), but tried within the budget even while the link is down (not closed) and connected: for
   * a write others wait on (a lease's release), where trying costs at most the budget and not
   * trying costs every waiter its whole wait. Its outcome does not change the link's state.
   */
  async attempt<T>(op: (client: Redis) => Promise<T>): Promise<T | Local> {
    if (this.#state === 'up') return this.run(op);
    if (this.#state === 'closed' || this.client.status !== 'ready') return LOCAL;
    const outcome = await this.#bounded(op);
    return outcome.kind === 'ok' ? outcome.value : LOCAL;
  }

  /** Called each time the link comes up (at start and after an outage). */
  onUp(listener: () => void): () => void {
    this.#upListeners.add(listener);
    return () => this.#upListeners.delete(listener);
  }

  stats(): RedisLinkStats {
    return { state: this.#state, since: this.#since, fallbacks: this.#fallbacks, timeouts: this.#timeouts, errors: this.#errors, outages: this.#outages };
  }

  /** Drops the connection at once (a hung Redis is not waited for); pending operations answer LOCAL. */
  close(): void {
    if (this.#state === 'closed') return;
    this.#set('closed');
    clearInterval(this.#timer);
    this.#upListeners.clear();
    this.client.disconnect();
  }

  #bounded<T>(op: (client: Redis) => Promise<T>): Promise<Outcome<T>> {
    return new Promise((resolve) => {
      // When the budget's timer fires, an answer may already wait on the socket: after a stall of
      // our own event loop (a burst of requests) timers run before I/O is read. setImmediate lets
      // that read happen first, so only Redis' own slowness counts against the budget.
      const timer = setTimeout(() => setImmediate(() => resolve({ kind: 'timeout' })), this.budgetMs);
      const settle = (outcome: Outcome<T>): void => {
        clearTimeout(timer);
        resolve(outcome);
      };
      let call: Promise<T>;
      try {
        call = op(this.client);
      } catch (error) {
        settle({ kind: 'error', error });
        return;
      }
      call.then((value) => settle({ kind: 'ok', value }), (error: unknown) => settle({ kind: 'error', error }));
    });
  }

  /** A PING within the budget brings the link up. One at a time: a hung Redis gets no pile of them. */
  #check(): void {
    if (this.#pingOut || this.#state === 'closed') return;
    this.#pingOut = true;
    let answered = false;
    const ping = this.client.ping().then(
      () => (answered = true),
      () => false,
    );
    void ping.finally(() => (this.#pingOut = false));
    void this.#bounded(() => ping).then(() => {
      if (this.#state === 'closed') return;
      if (answered) this.#up();
      else this.#down(`no answer to PING within ${this.budgetMs} ms`);
    });
  }

  #up(): void {
    if (this.#state === 'up' || this.#state === 'closed') return;
    const back = this.#state === 'down';
    this.#set('up');
    if (back) this.#log.info('Redis is back: the visitor cache, rate limits, realtime map and 429 pause are shared again');
    else this.#log.info('Redis connected: the visitor cache, rate limits, realtime map and 429 pause are shared');
    for (const listener of [...this.#upListeners]) {
      try {
        listener();
      } catch {
        // A listener's bug must not stop the others.
      }
    }
  }

  #down(reason: string): void {
    if (this.#state === 'down' || this.#state === 'closed') return;
    this.#set('down');
    this.#outages++;
    this.#log.warn({ reason }, 'Redis unavailable: this instance uses its own cache and limits until it is back');
  }

  #replyError(err: Error): void {
    const kind = err.message.split(' ')[0] ?? 'ERR';
    if (this.#replyErrors.has(kind) || this.#replyErrors.size >= REPLY_ERRORS_LOGGED) return;
    this.#replyErrors.add(kind);
    this.#log.warn({ reason: err.message.slice(0, 200) }, 'Redis refused an operation: it was done locally (logged once per kind of error)');
  }

  #set(state: RedisState): void {
    this.#state = state;
    this.#since = this.#now();
  }
}

/** An error's message without anything that could hold a password (ioredis never puts one there, but a URL might). */
function describe(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/\/\/[^@\s/]*@/g, '//[redacted]@').slice(0, 200);
}
