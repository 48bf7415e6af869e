// A real pino logger whose lines are kept in memory, so tests can read what the server logged.
import { createLogger, type Logger } from '../../server/logger';

export interface CapturedLog {
  logger: Logger;
  lines: string[];
  /** Everything logged so far, as one string (for "never contains" checks). */
  text(): string;
}

export function captureLog(level: 'info' | 'debug' | 'warn' = 'debug'): CapturedLog {
  const lines: string[] = [];
  const logger = createLogger({ level, destination: { write: (s: string) => void lines.push(s) } });
  return { logger, lines, text: () => lines.join('') };
}
