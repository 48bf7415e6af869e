// The standalone server: the router on its own Express app, configured from the environment.
import { once } from 'node:events';
import type { Server } from 'node:http';
import { createApp } from './app.js';
import { ConfigError } from './config/config-error.js';
import { optionsFromEnv, serverSettingsFromEnv, type Env, type ServerSettings } from './config/env.js';
import type { VisitorOffersOptions } from './config/options-types.js';
import { DEFAULTS } from './config/options.js';
import { authMode } from './datafast/client.js';
import { createLogger } from './logger.js';
import { internalsOf } from './router-internals.js';
import { createLimitedServer, defaultMaxConnections, SERVER_LIMITS } from './server-limits.js';

/** Starts the server and resolves once it listens; exits the process with one line on a bad setting. */
export async function serve(env: Env): Promise<void> {
  const stop = (message: string): never => {
    console.error(`visitor-offers: cannot start: ${message}`);
    process.exit(1);
  };
  let settings: ServerSettings;
  let standalone;
  const options = optionsFromEnv(env);
  try {
    // Checked before the logger exists: LOG_LEVEL is one of these settings.
    settings = serverSettingsFromEnv(env);
  } catch (err) {
    if (err instanceof ConfigError) return stop(err.message);
    throw err;
  }
  const logger = createLogger({ level: settings.logLevel });
  // A SIGHUP that arrives while starting must not end the process (Node's default for it).
  let reload = (): void => undefined;
  const onHangUp = (): void => reload();
  process.on('SIGHUP', onHangUp);
  try {
    standalone = createApp(options, logger);
  } catch (err) {
    if (err instanceof ConfigError) return stop(err.message);
    throw err;
  }
  const { app, router } = standalone;
  const internals = internalsOf(router);
  try {
    // Leads must be storable before anyone can submit one.
    await internals.store.ready;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code ?? (err instanceof Error ? err.message : String(err));
    // Never the database URL itself: it holds a password.
    if (options.databaseUrl) return stop(`DATABASE_URL: cannot open the database (${reason})`);
    const dataDir = options.dataDir ?? DEFAULTS.dataDir;
    // A path that can never be a directory is a wrong setting. A disk that refuses (read-only, full,
    // not ours) can be fixed while the server decides offers, which need no store; the router tries
    // the store again in the background.
    if (code === undefined || WRONG_PATH.has(code)) return stop(`DATA_DIR: cannot use "${dataDir}" (${reason})`);
    const message = err instanceof Error ? err.message : String(err);
    const detail = message.startsWith(code) ? message : `${code}: ${message}`;
    console.error(`visitor-offers: DATA_DIR: cannot use "${dataDir}" (${detail}); serving offers without it: leads and events answer 503 and /readyz 503 until it opens (tried again in the background)`);
  }
  // SIGHUP re-reads OFFERS_CONFIG (the file is also watched); a bad file is logged and ignored.
  reload = () => void internals.offers.reload('SIGHUP');
  const maxConnections = settings.maxConnections ?? defaultMaxConnections();
  const { headersTimeoutMs, keepAliveTimeoutMs } = settings;
  const server = createLimitedServer(app, { ...SERVER_LIMITS, headersTimeoutMs, keepAliveTimeoutMs, maxConnections }, logger);
  server.listen(settings.port, settings.host);
  server.on('error', (err: NodeJS.ErrnoException) => stop(`PORT ${settings.port} on HOST ${settings.host}: ${err.code ?? err.message}`));
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : settings.port;
  logger.info(
    { host: settings.host, port, ...upstreamOf(options), limits: limitsOf(server) },
    `visitor-offers listening on http://${settings.host}:${port}/visitor-offers`,
  );

  const shutdown = (): void => {
    // Stop taking requests, deliver queued goals briefly, close the store; never hang on exit.
    process.off('SIGHUP', onHangUp);
    setTimeout(() => process.exit(0), 5000).unref();
    server.close(() => void router.close(2000).finally(() => process.exit(0)));
    server.closeIdleConnections();
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

/** Errors that say DATA_DIR names something that cannot be a directory: a setting to fix, not a disk. */
const WRONG_PATH: ReadonlySet<string> = new Set(['ENOTDIR', 'ENAMETOOLONG', 'ELOOP']);

/** The limits as the listening server has them, for the start-up line. */
function limitsOf(server: Server): Record<string, number> {
  return { headersTimeoutMs: server.headersTimeout, requestTimeoutMs: server.requestTimeout, keepAliveTimeoutMs: server.keepAliveTimeout, maxConnections: server.maxConnections };
}

/** Scheme, host and port only: a URL's user and password are never logged. */
function publicOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
}

/** Which analytics API the server asks, by origin only (never a key or a path). */
function upstreamOf(options: VisitorOffersOptions): Record<string, string> {
  if (options.provider === 'postmetric') return { provider: 'postmetric', postmetric: publicOrigin(options.postmetric?.apiUrl ?? '') };
  return { datafast: publicOrigin(options.datafast?.apiUrl ?? DEFAULTS.apiUrl), auth: authMode(options.datafast?.apiKey ?? '') };
}
