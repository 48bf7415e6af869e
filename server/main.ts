// `npm run serve`: the standalone server, configured from the environment.
import { once } from 'node:events';
import { createApp } from './app';
import { loadConfig } from './config';
import { ConfigError } from './config-error';
import { authMode } from './datafast/client';
import { createLogger } from './logger';

function main(): void {
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
  const { app } = createApp(config, logger);
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
    server.close(() => process.exit(0));
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main();
