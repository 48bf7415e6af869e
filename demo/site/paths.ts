// The demo site's page paths, in one place: pages, navigation, the persona switcher and tests use them.

export const SITE_PATHS = {
  home: '/',
  pricing: '/pricing',
  blogPost: '/blog/saas-metrics-that-matter',
} as const;

export type SitePage = keyof typeof SITE_PATHS;

/** Where the dashboard lives under the router's mount path. */
export const DASHBOARD_PATH = '/visitor-offers/dashboard';

/**
 * A same-site page path to return to after switching persona: absolute, no scheme or host, no
 * backslashes or control characters; anything else falls back to the home page.
 */
export function safeReturnPath(value: unknown): string {
  if (typeof value !== 'string' || value.length > 512) return SITE_PATHS.home;
  return /^\/(?![/\\])[\x21-\x7e]*$/.test(value) && !value.includes('\\') ? value : SITE_PATHS.home;
}
