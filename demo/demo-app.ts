// Assembles the demo: the simulated DataFast (unless a real key is set), the standalone app with
// the router against it, and the persona switcher page.
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createApp } from '../server/app';
import { loadConfig, type ServerConfig } from '../server/config';
import type { Logger } from '../server/logger';
import { VISITOR_COOKIE } from '../server/visitor-id';
import { renderDemoPage } from './page';
import { personas, type PersonaName } from './personas';
import { SIMULATED_DATAFAST_DEFAULTS, startSimulatedDataFast, type SimulatedDataFast } from './simulated-datafast';

export interface Demo {
  url: string;
  mode: 'simulated' | 'live';
  sim: SimulatedDataFast | null;
  close(): Promise<void>;
}

export interface DemoOptions {
  env: Record<string, string | undefined>;
  logger: Logger;
  /** Directory of demo.js and demo.css; defaults to public/ beside this module (build.mjs copies it to dist). */
  publicDir?: string;
}

export async function startDemo({ env, logger, publicDir }: DemoOptions): Promise<Demo> {
  const live = Boolean(env.DATAFAST_API_KEY?.trim());
  const sim = live ? null : await startSimulatedDataFast({ keepProcessAlive: true });
  const config: ServerConfig = loadConfig(
    live
      ? { HOST: '127.0.0.1', ...env }
      : { HOST: '127.0.0.1', ...env, DATAFAST_API_KEY: SIMULATED_DATAFAST_DEFAULTS.apiKey, DATAFAST_API_URL: sim?.url },
  );
  const mode = live
    ? `Live: DataFast at ${config.router.datafast.apiUrl}`
    : `Simulated DataFast at ${sim?.url} (set DATAFAST_API_KEY to use the real one)`;

  const demo = express.Router();
  demo.use('/demo', express.static(publicDir ?? fileURLToPath(new URL('./public/', import.meta.url))));
  demo.get('/demo/persona/:name', (req, res) => {
    const name = req.params.name;
    if (name === 'none') {
      res.clearCookie(VISITOR_COOKIE, { path: '/' });
    } else if (Object.hasOwn(personas, name)) {
      // Not httpOnly: DataFast's own script sets and reads this cookie from JavaScript.
      res.cookie(VISITOR_COOKIE, personas[name as PersonaName].visitorId, { path: '/', sameSite: 'lax', maxAge: 365 * 86_400_000 });
    } else {
      res.status(404).type('text/plain').send(`No persona "${name}"`);
      return;
    }
    res.redirect(303, '/');
  });
  demo.get('/', (req, res) => {
    const cookie = typeof req.headers.cookie === 'string' ? req.headers.cookie : '';
    const current = /(?:^|;\s*)datafast_visitor_id=([^;]+)/.exec(cookie)?.[1];
    res.type('html').send(renderDemoPage({ personas, current, mode }));
  });
  const { app, router } = createApp(config, logger, demo);
  await router.visitorOffers.store.ready;

  const server: Server = app.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '127.0.0.1' ? 'localhost' : config.host;
  return {
    url: `http://${host}:${port}/`,
    mode: live ? 'live' : 'simulated',
    sim,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await router.visitorOffers.close(200);
      await sim?.close();
    },
  };
}
