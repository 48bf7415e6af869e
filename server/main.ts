// `npm run serve`: the standalone server, configured from the environment.
import { once } from 'node:events';
import { createApp } from './app.js';
import { loadConfig } from './config.js';
import { ConfigError } from './config-error.js';
import { authMode } from './datafast/client.js';
import { createLogger } from './logger.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`visitor-offers: cannot start: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger({ level: config.logLevel });
  let standalone;
  try {
    standalone = createApp(config, logger);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`visitor-offers: cannot start: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  const { app, router } = standalone;
  try {
    // Leads must be storable before anyone can submit one.
    await router.visitorOffers.store.ready;
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
    console.error(`visitor-offers: cannot start: DATA_DIR: cannot use "${config.router.dataDir}" (${reason})`);
    process.exit(1);
  }
  const server = app.listen(config.port, config.host);
  server.on('error', (err: NodeJS.ErrnoException) => {
    console.error(`visitor-offers: cannot start: PORT ${config.port} on HOST ${config.host}: ${err.code ?? err.message}`);
    process.exit(1);
  });
  void once(server, 'listening').then(() => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    logger.info(
      { host: config.host, port, datafast: config.router.datafast.apiUrl, auth: authMode(config.router.datafast.apiKey) },
      `visitor-offers listening on http://${config.host}:${port}/visitor-offers`,
    );
  });
  const stop = (): void => {
    // Stop taking requests, deliver queued goals briefly, close the store; never hang on exit.
    setTimeout(() => process.exit(0), 5000).unref();
    server.close(() => void router.visitorOffers.close(2000).finally(() => process.exit(0)));
    server.closeIdleConnections();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

await main();
