// Which peers may tell us the client's address, scheme and host (X-Forwarded-For, -Proto, -Host):
// the `trustProxy` option and TRUST_PROXY, in Express's own `trust proxy` syntax. Express parses
// it (so the syntax is exactly Express's), and the router applies it to the requests it handles
// by giving them a view of the host app whose `trust proxy` differs and nothing else: req.ip,
// req.protocol and req.host are then Express's own getters, resolved with our setting, while the
// host app's setting, and what its own middleware sees, stay as they were.
import express, { type Application, type Request } from 'express';

/** A hop count, addresses/subnets/names (comma-separated or as a list), or false (trust no one). */
export type TrustProxySetting = number | string | readonly string[] | false;

/** Express's compiled form: is the address at this hop (0 = the socket's peer) a trusted proxy? */
export type TrustFn = (address: string, hop: number) => boolean;

/** The standalone server's default: a proxy on the same host only. */
export const DEFAULT_TRUST_PROXY = 'loopback';

/** The range names Express knows, besides addresses and subnets. */
const NAMES = ['loopback', 'linklocal', 'uniquelocal'];
const MAX_HOPS = 32;
const SYNTAX = `a hop count, a comma-separated list of addresses, subnets (10.0.0.0/8) and names (${NAMES.join(', ')}), or false`;

/** Express's own reading of a `trust proxy` value; throws its TypeError on a bad address. */
export function compileTrustProxy(setting: TrustProxySetting): TrustFn {
  const app = express();
  app.set('trust proxy', typeof setting === 'object' ? [...setting] : setting);
  return app.get('trust proxy fn') as TrustFn;
}

/** What is wrong with a `trustProxy` value, in one line, or null when Express would take it. */
export function trustProxyProblem(value: unknown): string | null {
  if (value === false) return null;
  if (value === true) {
    return 'true would trust every address, so any client could choose its own address (and scheme and host): give the proxies’ addresses or a hop count';
  }
  if (typeof value === 'number') {
    return Number.isInteger(value) && value >= 0 && value <= MAX_HOPS ? null : `expected a hop count from 0 to ${MAX_HOPS}, got ${value}`;
  }
  const entries = typeof value === 'string' ? value.split(',').map((e) => e.trim()) : Array.isArray(value) ? (value as unknown[]) : null;
  if (entries === null) return `expected ${SYNTAX}, got ${value === null ? 'null' : typeof value}`;
  if (entries.length === 0 || (entries.length === 1 && entries[0] === '')) return `is empty: give ${SYNTAX}`;
  for (const entry of entries) {
    const problem = entryProblem(entry);
    if (problem !== null) return problem;
  }
  return null;
}

function entryProblem(entry: unknown): string | null {
  if (typeof entry !== 'string') return `expected addresses as strings, got ${typeof entry}`;
  if (entry === '') return 'has an empty entry (a stray comma?)';
  if (entry === 'true' || entry === 'false') return `"${entry}" is not an address: write false itself, or give ${SYNTAX}`;
  if (/^\d+$/.test(entry)) return `"${entry}" is not an address: a hop count stands alone, as a number`;
  try {
    compileTrustProxy([entry]);
    return null;
  } catch {
    return `"${entry}" is not an IP address, a subnet like 10.0.0.0/8 or one of ${NAMES.join(', ')}`;
  }
}

/** TRUST_PROXY's text as the setting: "false", a hop count, or the comma-separated list as is ("true" is kept, to be refused). */
export function trustProxyFromText(text: string): TrustProxySetting | true {
  if (text.toLowerCase() === 'false') return false;
  if (text.toLowerCase() === 'true') return true;
  if (/^\d+$/.test(text)) return Number(text);
  return text;
}

/**
 * Makes Express resolve a request's client address, scheme and host with `setting` while the
 * router handles it. `enter(req)` returns the function that puts the request back as it was,
 * called when the request leaves the router for the host app's next handler.
 */
export function requestTrust(setting: TrustProxySetting): { enter(req: Request): () => void } {
  const trust = compileTrustProxy(setting);
  const views = new WeakMap<Application, Application>();
  const viewOf = (host: Application): Application => {
    let view = views.get(host);
    if (!view) {
      // Every other setting is read through to the host app's, live; only these two differ.
      const settings = Object.create(host.settings as object, {
        'trust proxy': { value: setting, enumerable: true },
        'trust proxy fn': { value: trust, enumerable: true },
      }) as object;
      view = Object.create(host, { settings: { value: settings, enumerable: true } }) as Application;
      views.set(host, view);
    }
    return view;
  };
  return {
    enter(req) {
      const host = req.app as Application | undefined;
      // Not under an Express app: there is no req.ip to resolve.
      if (host === undefined || typeof host.get !== 'function') return () => undefined;
      const own = Object.getOwnPropertyDescriptor(req, 'app');
      Object.defineProperty(req, 'app', { value: viewOf(host), configurable: true, enumerable: true, writable: true });
      return () => {
        if (own) Object.defineProperty(req, 'app', own);
        else delete (req as { app?: Application }).app;
      };
    },
  };
}
