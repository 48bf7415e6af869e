// The server's logger never writes a URL's user and password, wherever the URL sits in a line: a
// field, a nested object, an array, the message, an error's message and stack. Other URLs, and
// text that only looks a little like one, are written as they are.
import { describe, expect, it } from 'vitest';
import { captureLog } from '../support/log-capture';

const SECRET = 'hunter2-9f3a';

describe('createLogger', () => {
  it('replaces the userinfo of every URL it is given, and only that', () => {
    const log = captureLog();
    log.logger.warn({ upstream: `https://df:${SECRET}@datafa.st/api/v1`, nested: { list: [`redis://user:${SECRET}@cache:6379/0`] } }, `calling http://admin:${SECRET}@127.0.0.1:4010/x failed`);
    log.logger.error({ err: new TypeError(`Failed to parse URL from http://someone:${SECRET}@host`) }, 'fetch failed');
    log.logger.info({ webhook: `https://${SECRET}@hooks.example.com/in` }, 'user name alone');
    expect(log.text()).not.toContain(SECRET);
    const [first, second, third] = log.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(first).toMatchObject({
      upstream: 'https://[redacted]@datafa.st/api/v1',
      nested: { list: ['redis://[redacted]@cache:6379/0'] },
      msg: 'calling http://[redacted]@127.0.0.1:4010/x failed',
    });
    expect(second).toMatchObject({ err: { type: 'TypeError', message: 'Failed to parse URL from http://[redacted]@host' } });
    expect(third).toMatchObject({ webhook: 'https://[redacted]@hooks.example.com/in' });
  });

  it('hides the whole password when it holds an @ of its own', () => {
    const log = captureLog();
    log.logger.warn({ upstream: `https://df:${SECRET}@x@datafa.st/api` }, 'raw @ in the password');
    expect(log.text()).not.toContain(SECRET);
    expect(log.text()).not.toContain('x@datafa');
    expect(JSON.parse(log.lines[0] ?? '{}')).toMatchObject({ upstream: 'https://[redacted]@datafa.st/api' });
  });

  it('leaves everything else alone: plain URLs, emails, an @ in a path or query, errors without a URL', () => {
    const log = captureLog();
    const fields = {
      origin: 'https://datafa.st',
      email: 'ann@example.com',
      page: 'https://shop.example.com/@ann/profile?ref=x@y',
      note: 'mailto:ann@example.com',
    };
    log.logger.info(fields, 'as they are');
    const err = new Error('disk full');
    log.logger.error({ err }, 'store');
    const [info, error] = log.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(info).toMatchObject({ ...fields, msg: 'as they are' });
    // pino's own error serialiser still applies: type, message and stack.
    expect(error).toMatchObject({ err: { type: 'Error', message: 'disk full', stack: expect.stringContaining('disk full') } });
  });

  it('child loggers do the same', () => {
    const log = captureLog();
    log.logger.child({ component: 'leads' }).warn({ url: `https://u:${SECRET}@hooks.example.com` }, 'retry');
    expect(log.text()).not.toContain(SECRET);
    expect(log.text()).toContain('https://[redacted]@hooks.example.com');
  });
});
