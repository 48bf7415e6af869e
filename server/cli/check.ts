// `visitor-offers check [offers.json]`: the offers file checked exactly as the server will check
// it at start-up or on reload (schema, references, code pools), every problem on its own line.
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from '../config/config-error.js';
import type { Env } from '../config/env.js';
import { parseOffersText } from '../config/offers-file.js';
import { buildPolicy } from '../decision/policy.js';
import { BUILT_IN_OFFERS } from '../decision/offer.js';
import { loadCouponPools } from '../offers/coupon-pools.js';
import { parse, UsageError } from './args.js';

export async function check(args: string[], env: Env): Promise<number> {
  const { positionals } = parse(args, {}, true);
  if (positionals.length > 1) throw new UsageError('give one offers file');
  const path = positionals[0] ?? env.OFFERS_CONFIG?.trim();
  if (!path) throw new UsageError('give the offers file, or set OFFERS_CONFIG');

  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    console.error(`${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`);
    return 1;
  }
  try {
    const config = parseOffersText(text, { baseDir: dirname(path) });
    const policy = buildPolicy(config);
    const pools = loadCouponPools(policy.offers.values());
    const replaced = config.offers.filter((o) => BUILT_IN_OFFERS.some((b) => b.id === o.id)).length;
    const poolText = [...pools].map(([id, codes]) => `${id} ${codes.length} codes`).join(', ');
    console.log(
      `ok: ${path}: ${count(config.offers.length, 'offer')}${replaced > 0 ? ` (${replaced} replacing built-ins)` : ''}, ` +
        `${count(config.rules.length, 'rule')}, ${count(config.experiments.length, 'experiment')}${poolText ? `; pools: ${poolText}` : ''}`,
    );
    return 0;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const line of err.in(path).lines()) console.error(line);
    return 1;
  }
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
