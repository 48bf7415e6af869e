// `npm start`: the demo on http://localhost:3000 — simulated DataFast unless DATAFAST_API_KEY is set.
import { ConfigError } from '../server/config-error';
import { createLogger } from '../server/logger';
import { startDemo } from './demo-app';

try {
  const demo = await startDemo({ env: process.env, logger: createLogger({ level: process.env.LOG_LEVEL === undefined ? 'warn' : undefined }) });
  console.log(`visitor-offers demo (${demo.mode === 'live' ? 'LIVE DataFast' : 'simulated DataFast'}) → open ${demo.url}`);
  console.log('Pick a persona to set the datafast_visitor_id cookie and see the offer the proxy decides for it.');
  const stop = (): void => void demo.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`visitor-offers demo: cannot start: ${err.message}`);
    process.exit(1);
  }
  throw err;
}
