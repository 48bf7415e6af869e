// Assembles the demo: the simulated DataFast (unless a real key is set: "go live"), the standalone
// app with the router against it, the demo offers file, and the Launchkit site with its persona
// switcher mounted beside the router.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createApp } from '../server/app';
import { optionsFromEnv, serverSettingsFromEnv, type ServerSettings } from '../server/config/env';
import type { VisitorOffersOptions } from '../server/config/options-types';
import type { Logger } from '../server/logger';
import { internalsOf } from '../server/router-internals';
import { SIMULATED_DATAFAST_DEFAULTS, startSimulatedDataFast, type SimulatedDataFast } from './simulated-datafast';
import { SIMULATED_POSTMETRIC_DEFAULTS, startSimulatedPostMetric, type SimulatedPostMetric } from './simulated-postmetric';
import { siteRoutes } from './site/routes';

export interface Demo {
  url: string;
  mode: 'simulated' | 'live';
  /** One line for the console: which DataFast is used. */
  modeLine: string;
  /** The offers file in use (the demo's own unless OFFERS_CONFIG is set). */
  offersConfigPath: string;
  dataDir: string;
  sim: SimulatedDataFast | null;
  /** The simulated PostMetric, with ANALYTICS_PROVIDER=postmetric and no POSTMETRIC_API_KEY. */
  pmSim: SimulatedPostMetric | null;
  close(): Promise<void>;
}

export interface DemoOptions {
  env: Record<string, string | undefined>;
  logger: Logger;
  /** Directory of the site's static files; defaults to public/ beside this module (build.mjs copies it to dist). */
  publicDir?: string;
}

/** Where the demo keeps its store unless DATA_DIR is set (gitignored, like all of data/). */
export const DEMO_DATA_DIR = 'data/demo';

/**
 * A file of demo/ by name: beside this module when run from source (tests), or in the source tree
 * when run from the bundle in dist/demo/ (build.mjs copies only public/).
 */
export function demoFile(name: string): string {
  const candidates = [new URL(`./${name}`, import.meta.url), new URL(`../../demo/${name}`, import.meta.url)].map((u) => fileURLToPath(u));
  return candidates.find((p) => existsSync(p)) ?? (candidates[0] as string);
}

const blank = (v: string | undefined): boolean => v === undefined || v.trim() === '';

export async function startDemo({ env, logger, publicDir }: DemoOptions): Promise<Demo> {
  const postmetric = env.ANALYTICS_PROVIDER?.trim().toLowerCase() === 'postmetric';
  const live = postmetric ? !blank(env.POSTMETRIC_API_KEY) : !blank(env.DATAFAST_API_KEY);
  const defaults: Record<string, string> = { HOST: '127.0.0.1', OFFERS_CONFIG: demoFile('offers.demo.json'), DATA_DIR: DEMO_DATA_DIR };
  const settings: Record<string, string | undefined> = { ...env };
  for (const [name, value] of Object.entries(defaults)) if (blank(settings[name])) settings[name] = value;

  // The same demo on either provider: a simulated one unless its key is set.
  const sim = live || postmetric ? null : await startSimulatedDataFast({ keepProcessAlive: true });
  // The site's persona switcher sets datafast_visitor_id: the simulated PostMetric answers any id,
  // so each persona is a PostMetric visitor too (generated from its id), read from that cookie.
  const pmSim = live || !postmetric ? null : await startSimulatedPostMetric({ keepProcessAlive: true, generateUnknown: true });
  const effective = sim
    ? { ...settings, DATAFAST_API_KEY: SIMULATED_DATAFAST_DEFAULTS.apiKey, DATAFAST_WEBSITE_ID: undefined, DATAFAST_API_URL: sim.url }
    : pmSim
      ? { ...settings, POSTMETRIC_API_KEY: SIMULATED_POSTMETRIC_DEFAULTS.apiKey, POSTMETRIC_API_URL: pmSim.url, VISITOR_COOKIE: settings.VISITOR_COOKIE ?? 'datafast_visitor_id' }
      : settings;
  const closeSims = async (): Promise<void> => {
    await sim?.close();
    await pmSim?.close();
  };
  let listen: ServerSettings;
  let options: VisitorOffersOptions;
  try {
    listen = serverSettingsFromEnv(effective);
    // The operator dashboard is open on simulated data; with real visitors it stays behind ADMIN_TOKEN.
    options = { ...optionsFromEnv(effective), dashboard: live ? 'protected' : 'open' };
  } catch (err) {
    await closeSims();
    throw err;
  }
  const modeLine = postmetric
    ? live
      ? `LIVE: the real PostMetric at ${options.postmetric?.apiUrl ?? '(POSTMETRIC_API_URL)'} (POSTMETRIC_API_KEY is set)`
      : `Simulated PostMetric at ${pmSim?.url} with seeded visitors (set POSTMETRIC_API_KEY and POSTMETRIC_API_URL to go live)`
    : live
      ? `LIVE: the real DataFast at ${options.datafast?.apiUrl ?? 'https://datafa.st'} (DATAFAST_API_KEY is set)`
      : `Simulated DataFast at ${sim?.url} with seeded visitors (set DATAFAST_API_KEY to go live)`;

  const site = siteRoutes({ publicDir: publicDir ?? fileURLToPath(new URL('./public/', import.meta.url)), live, modeLine });
  let standalone;
  try {
    standalone = createApp(options, logger, site);
  } catch (err) {
    await closeSims();
    throw err;
  }
  const { app, router } = standalone;
  await internalsOf(router).store.ready;

  const server: Server = app.listen(listen.port, listen.host);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
  } catch (err) {
    await router.close(200);
    await closeSims();
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  const host = listen.host === '0.0.0.0' || listen.host === '127.0.0.1' ? 'localhost' : listen.host;
  return {
    url: `http://${host}:${port}/`,
    mode: live ? 'live' : 'simulated',
    modeLine,
    offersConfigPath: options.offersFile ?? defaults.OFFERS_CONFIG ?? '',
    dataDir: options.dataDir ?? DEMO_DATA_DIR,
    sim,
    pmSim,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await router.close(200);
      await closeSims();
    },
  };
}
