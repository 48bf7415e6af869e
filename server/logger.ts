// The one way the server logs: pino, JSON lines, with every place a secret could hide redacted
// as a second line of defence (the code itself never hands the key to the logger).
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

const REDACT = [
  'apiKey',
  'adminToken',
  'conversionsToken',
  'leadsWebhookUrl',
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

/** A pino logger writing JSON lines to `destination`, by default stdout (the standalone server's log). */
export function createLogger(options: { level?: LoggerOptions['level']; destination?: DestinationStream } = {}): Logger {
  const opts: LoggerOptions = {
    name: 'visitor-offers',
    level: options.level ?? 'info',
    redact: { paths: REDACT, censor: '[redacted]' },
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
