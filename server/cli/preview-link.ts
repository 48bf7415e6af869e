// `visitor-offers preview-link --offer <id> | --segment <s> [--url …] [--minutes 60]`: prints a
// link that shows the offer (or what the segment would get) on the real site, for the operator
// only. Signed with ADMIN_TOKEN, as the server checks it; an offer id is checked against the
// offers in OFFERS_CONFIG (the built-in offers without one). Needs no API key and opens no store.
import { ConfigError } from '../config/config-error.js';
import type { Env } from '../config/env.js';
import { loadOffersFile } from '../config/offers-file.js';
import { tokenWeakness } from '../config/token-strength.js';
import { buildPolicy } from '../decision/policy.js';
import { makePreviewLink } from '../preview/link.js';
import { SEGMENTS } from '../preview/target.js';
import { DEFAULT_PREVIEW_MINUTES, MAX_PREVIEW_MINUTES, PreviewKey } from '../preview/token.js';
import { readPagePath } from '../http/page-path.js';
import { parse, UsageError } from './args.js';

export async function previewLink(args: string[], env: Env, now = Date.now()): Promise<number> {
  const { values } = parse(args, { offer: { type: 'string' }, segment: { type: 'string' }, url: { type: 'string' }, minutes: { type: 'string' } });
  if ((values.offer === undefined) === (values.segment === undefined)) throw new UsageError('give either --offer <id> or --segment <segment>');
  if (values.segment !== undefined && !(SEGMENTS as readonly string[]).includes(values.segment)) {
    throw new UsageError(`--segment must be one of ${SEGMENTS.join(', ')}`);
  }
  const minutes = values.minutes === undefined ? DEFAULT_PREVIEW_MINUTES : Number(values.minutes);
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_PREVIEW_MINUTES) {
    throw new UsageError(`--minutes must be a whole number from 1 to ${MAX_PREVIEW_MINUTES} (24 h)`);
  }
  const page = values.url ?? '/';
  if (!isPage(page)) throw new UsageError('--url must be a page URL (https://shop.example.com/pricing) or a path (/pricing)');

  const adminToken = env.ADMIN_TOKEN?.trim() ?? '';
  if (adminToken === '') throw new ConfigError('ADMIN_TOKEN', 'is not set: preview links are signed with the admin token the server uses');
  // The server's own rule: it does not start with a weaker token, so no link signed with one works.
  const weakness = tokenWeakness(adminToken);
  if (weakness !== null) throw new ConfigError('ADMIN_TOKEN', weakness);
  const offersPath = env.OFFERS_CONFIG?.trim() || null;
  const policy = buildPolicy(offersPath === null ? {} : loadOffersFile(offersPath));

  const target = values.offer ?? `segment:${values.segment}`;
  const link = makePreviewLink({ key: PreviewKey.fromAdminToken(adminToken), policy, target, page, minutes, now });
  if (!link.ok) {
    const where = offersPath ? ` in ${offersPath}` : ' (OFFERS_CONFIG is not set: only the built-in offers)';
    console.error(`visitor-offers preview-link: ${link.problem.replace(/^target: /, values.offer !== undefined ? '--offer: ' : '--segment: ')}${where}`);
    return 1;
  }
  console.log(link.url);
  // stdout is the link alone (for scripts); the rest is for the person reading.
  console.error(`Shows ${link.target} until ${new Date(link.expiresAt).toISOString()}${values.url === undefined ? '; the link is a path: open it on your site (or pass --url)' : ''}.`);
  return 0;
}

function isPage(value: string): boolean {
  if (value.startsWith('/')) return readPagePath(value) !== null;
  try {
    const u = new URL(value);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.host !== '';
  } catch {
    return false;
  }
}
