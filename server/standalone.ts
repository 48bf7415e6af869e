// The standalone server: the router on its own Express app, configured from the environment.
import { once } from 'node:events';
import { createApp } from './app.js';
import { ConfigError } from './config/config-error.js';
import { listenSettingsFromEnv, optionsFromEnv, type Env } from './config/env.js';
import { authMode } from './datafast/client.js';
import { createLogger } from './logger.js';
import { internalsOf } from './router-internals.js';

/** Starts the server and resolves once it listens; exits the process with one line on a bad setting. */
export async function serve(env: Env): Promise<void> {
  const stop = (message: string): never => {
    console.error(`visitor-offers: cannot start: ${message}`);
    process.exit(1);
  };
  let standalone;
  let listen;
  const options = optionsFromEnv(env);
  const logger = createLogger({ level: options.logLevel ?? 'info' });
  try {
    listen = listenSettingsFromEnv(env);
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
    const reason = (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
    return stop(`DATA_DIR: cannot use "${options.dataDir ?? 'data'}" (${reason})`);
  }
  const server = app.listen(listen.port, listen.host);
  server.on('error', (err: NodeJS.ErrnoException) => stop(`PORT ${listen.port} on HOST ${listen.host}: ${err.code ?? err.message}`));
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : listen.port;
  logger.info(
    { host: listen.host, port, datafast: options.datafast.apiUrl ?? 'https://datafa.st', auth: authMode(options.datafast.apiKey) },
    `visitor-offers listening on http://${listen.host}:${port}/visitor-offers`,
  );

  // SIGHUP re-reads OFFERS_CONFIG (the file is also watched); a bad file is logged and ignored.
  process.on('SIGHUP', () => void internals.offers.reload('SIGHUP'));
  const shutdown = (): void => {
    // Stop taking requests, deliver queued goals briefly, close the store; never hang on exit.
    setTimeout(() => process.exit(0), 5000).unref();
    server.close(() => void router.close(2000).finally(() => process.exit(0)));
    server.closeIdleConnections();
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
