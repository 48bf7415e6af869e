// `npm run simulated-datafast`: the simulated DataFast on its own, for trying the package in your
// own app without a DataFast account. Prints its URL, the key it accepts and the seeded visitors.
import { personas } from './personas';
import { SIMULATED_DATAFAST_DEFAULTS, startSimulatedDataFast } from './simulated-datafast';

const portText = process.env.PORT?.trim() || '4010';
if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) {
  console.error(`simulated DataFast: cannot start: PORT must be a port number from 0 to 65535, got "${portText}"`);
  process.exit(1);
}
const sim = await startSimulatedDataFast({ port: Number(portText), keepProcessAlive: true });
console.log(`Simulated DataFast on ${sim.url} (127.0.0.1 only)`);
console.log(`  DATAFAST_API_URL=${sim.url} DATAFAST_API_KEY=${SIMULATED_DATAFAST_DEFAULTS.apiKey}`);
console.log('Seeded visitors (set the datafast_visitor_id cookie to one of these):');
for (const [name, p] of Object.entries(personas)) console.log(`  ${name.padEnd(14)} ${p.visitorId}`);
console.log('Ctrl+C stops.');
const stop = (): void => void sim.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
