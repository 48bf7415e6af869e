// The one way the server logs: pino, JSON lines, with every place a secret could hide redacted
// as a second line of defence (the code itself never hands the key to the logger).
import { pino, type DestinationStream, type LogFn, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

const REDACT = [
  'apiKey',
  'adminToken',
  'conversionsToken',
  'leadsWebhookUrl',
  'secret',
  'previousSecret',
  '*.secret',
  '*.previousSecret',
  '*.adminToken',
  '*.conversionsToken',
  '*.leadsWebhookUrl',
  'authorization',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  '*.apiKey',
  '*.authorization',
];

/** `scheme://user:password@` (or `scheme://user@`) in a string; HAS_USERINFO keeps no state between tests. */
// Up to the last `@` before the host: a password may hold a raw `@` of its own.
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#]+@/gi;
const HAS_USERINFO = new RegExp(USERINFO.source, 'i');

/**
 * The value with the user and password of every URL in its strings replaced, looking into plain
 * objects, arrays and errors a few levels deep. The options refuse such URLs; this is for one that
 * arrives another way (an error message naming a URL, a host app's own log call).
 */
export function withoutUserinfo(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return HAS_USERINFO.test(value) ? value.replace(USERINFO, '$1[redacted]@') : value;
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => withoutUserinfo(v, depth + 1));
  if (value instanceof Error) {
    const text = `${value.message}\n${value.stack ?? ''}`;
    if (!HAS_USERINFO.test(text)) return value;
    // A copy of the same class, so pino still writes it as an error of its type, without the secret.
    const copy = Object.create(Object.getPrototypeOf(value) as object) as Error & Record<string, unknown>;
    for (const [k, v] of Object.entries(value)) copy[k] = withoutUserinfo(v, depth + 1);
    copy.message = withoutUserinfo(value.message) as string;
    copy.stack = withoutUserinfo(value.stack) as string | undefined;
    return copy;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutUserinfo(v, depth + 1)]));
}

/** A pino logger writing JSON lines to `destination`, by default stdout (the standalone server's log). */
export function createLogger(options: { level?: LoggerOptions['level']; destination?: DestinationStream } = {}): Logger {
  const opts: LoggerOptions = {
    name: 'visitor-offers',
    level: options.level ?? 'info',
    redact: { paths: REDACT, censor: '[redacted]' },
    // Only for levels that are on: a disabled level's call never gets here.
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((a) => withoutUserinfo(a)) as Parameters<LogFn>);
      },
    },
    base: undefined,
  };
  return options.destination ? pino(opts, options.destination) : pino(opts);
}

/**
 * The router's own logger when the host app gives none: stderr, so a program whose stdout is its
 * output (a CLI, a test reporter) is not disturbed, and errors are seen unless asked to be silent.
 */
export function defaultRouterLogger(level: LoggerOptions['level']): Logger {
  return createLogger({ level, destination: pino.destination({ dest: 2, sync: true }) });
}

/** A logger that drops everything, for embedding without noise. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
