// `npm start`: the demo on http://localhost:3000 — the Launchkit site against the simulated
// DataFast, or the real one when DATAFAST_API_KEY is set ("go live").
import { relative } from 'node:path';
import { ConfigError } from '../server/config/config-error';
import { createLogger } from '../server/logger';
import { startDemo } from './demo-app';
import { DASHBOARD_PATH, SITE_PATHS } from './site/paths';

const shown = (path: string): string => {
  const r = relative(process.cwd(), path);
  return r === '' || r.startsWith('..') ? path : r;
};

try {
  const demo = await startDemo({ env: process.env, logger: createLogger({ level: process.env.LOG_LEVEL === undefined ? 'warn' : undefined }) });
  const base = demo.url.replace(/\/$/, '');
  const offers = shown(demo.offersConfigPath);
  const dataDir = shown(demo.dataDir);
  console.log(`visitor-offers demo → open ${demo.url}`);
  console.log(`Mode: ${demo.modeLine}`);
  console.log(`Offers: ${offers} · store: ${dataDir}/`);
  console.log('');
  console.log('What to try:');
  console.log('  1. Switch visitor with the "Demo" pill at the bottom left: low score → coupon, high intent → urgency bar,');
  console.log('     thin data → lead magnet, customer, bot or no cookie → nothing. The line under it says why.');
  console.log(`  2. Visit ${base}${SITE_PATHS.pricing} (an inline offer below the plans) and ${base}${SITE_PATHS.blogPost} (scroll: a modal).`);
  const dashboardNote = demo.mode === 'live' ? ' (live data: it asks for ADMIN_TOKEN, and is off without one)' : '';
  console.log(`  3. Pick "Visitor in an A/B test", then open the dashboard: ${base}${DASHBOARD_PATH}${dashboardNote}`);
  console.log(`  4. Experiment results: OFFERS_CONFIG=${offers} DATA_DIR=${dataDir} npm run results`);
  console.log(`Every persona's raw decision: ${base}/demo · Ctrl+C stops.`);
  const stop = (): void => void demo.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`visitor-offers demo: cannot start: ${err.message}`);
    process.exit(1);
  }
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'EADDRINUSE' || code === 'EACCES') {
    console.error(`visitor-offers demo: cannot start: PORT ${process.env.PORT ?? '3000'} is ${code === 'EADDRINUSE' ? 'in use' : 'not allowed'}: set PORT to another port (PORT=0 picks a free one)`);
    process.exit(1);
  }
  throw err;
}
