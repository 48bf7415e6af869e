// The demo site's routes, mounted beside the router by demo-app.ts (and by the browser tests'
// harness): the Launchkit pages, the persona switch, the raw decision view at /demo, and the
// static files (styles, the panel's script, images), all with helmet's headers and SITE_CSP.
import express, { type Request, type Router } from 'express';
import { pageHeaders, type CspDirectives } from '../../server/http/security-headers';
import { VISITOR_COOKIE } from '../../server/visitor-id';
import { renderDemoPage } from '../page';
import { personas, type PersonaName } from '../personas';
import { articleMain, ARTICLE_TITLE } from './article';
import { renderLayout } from './layout';
import { homeMain, pricingMain } from './pages';
import { renderPanel } from './panel';
import { safeReturnPath, SITE_PATHS } from './paths';

export interface SiteOptions {
  /** Directory of site.css, site.js, demo.js… (served under /demo/). */
  publicDir: string;
  /** True when the demo talks to the real DataFast. */
  live: boolean;
  /** One line saying which DataFast is used, for the raw decision view. */
  modeLine: string;
}

const YEAR_MS = 365 * 86_400_000;

/**
 * The site's policy, as strict as a shop could set it: everything from its own origin, nothing
 * inline. The widget needs no more (its styles are adopted style sheets, its calls same-origin).
 */
export const SITE_CSP: CspDirectives = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'"],
  'connect-src': ["'self'"],
  'font-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

function visitorCookie(req: Request): string | undefined {
  const header = typeof req.headers.cookie === 'string' ? req.headers.cookie : '';
  return /(?:^|;\s*)datafast_visitor_id=([^;]+)/.exec(header)?.[1];
}

interface PageSpec {
  path: string;
  title: string;
  description: string;
  main: () => string;
}

const PAGES: readonly PageSpec[] = [
  {
    path: SITE_PATHS.home,
    title: 'Launchkit — analytics dashboards for small SaaS teams',
    description: 'Live dashboards for MRR, churn and activation. Ten minutes to set up, no SQL.',
    main: homeMain,
  },
  {
    path: SITE_PATHS.pricing,
    title: 'Pricing — Launchkit',
    description: 'Three plans, a 14-day free trial, two months free with yearly billing.',
    main: pricingMain,
  },
  {
    path: SITE_PATHS.blogPost,
    title: `${ARTICLE_TITLE} — Launchkit blog`,
    description: 'The seven SaaS metrics that decide whether the company works, and five you can stop checking.',
    main: articleMain,
  },
];

export function siteRoutes({ publicDir, live, modeLine }: SiteOptions): Router {
  const site = express.Router();
  site.use(pageHeaders(SITE_CSP));
  // No directory redirect: /demo is the raw decision view below, not /demo/ of the static files.
  site.use('/demo', express.static(publicDir, { index: false, redirect: false }));
  site.get('/favicon.ico', (_req, res) => res.redirect(301, '/demo/favicon.svg'));

  site.get('/demo/persona/:name', (req, res) => {
    const name = req.params.name;
    if (name === 'none') {
      res.clearCookie(VISITOR_COOKIE, { path: '/' });
    } else if (Object.hasOwn(personas, name)) {
      // Not httpOnly: DataFast's own script sets and reads this cookie from JavaScript.
      res.cookie(VISITOR_COOKIE, personas[name as PersonaName].visitorId, { path: '/', sameSite: 'lax', maxAge: YEAR_MS });
    } else {
      res.status(404).type('text/plain').send(`No persona "${name}"`);
      return;
    }
    res.set('cache-control', 'no-store').redirect(303, safeReturnPath(req.query.next));
  });

  site.get('/demo', (req, res) => {
    res.set('cache-control', 'no-store').type('html').send(renderDemoPage({ personas, current: visitorCookie(req), mode: modeLine }));
  });

  for (const page of PAGES) {
    site.get(page.path, (req, res) => {
      const returnTo = req.originalUrl.length <= 512 ? req.originalUrl : page.path;
      const panel = renderPanel({ visitorId: visitorCookie(req), returnTo, live });
      // The panel depends on the cookie: never cached.
      res.set('cache-control', 'no-store').type('html').send(renderLayout({ ...page, main: page.main(), panel }));
    });
  }
  site.get('/blog', (_req, res) => res.redirect(302, SITE_PATHS.blogPost));
  return site;
}
