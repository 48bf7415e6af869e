// `visitor-offers check [offers.json]`: the offers file checked exactly as the server checks it at
// start-up or on reload (schema, references, code pools), every problem on its own line.
import { ConfigError } from '../config/config-error.js';
import type { Env } from '../config/env.js';
import { loadOffers } from '../config/load-offers.js';
import { BUILT_IN_OFFERS } from '../decision/offer.js';
import { parse, UsageError } from './args.js';

export async function check(args: string[], env: Env): Promise<number> {
  const { positionals } = parse(args, {}, true);
  if (positionals.length > 1) throw new UsageError('give one offers file');
  const path = positionals[0] ?? env.OFFERS_CONFIG?.trim();
  if (!path) throw new UsageError('give the offers file, or set OFFERS_CONFIG');
  try {
    const { config, pools } = loadOffers({ kind: 'file', path, watch: false });
    const replaced = config.offers.filter((o) => BUILT_IN_OFFERS.some((b) => b.id === o.id)).length;
    const poolText = [...pools].map(([id, codes]) => `${id} ${codes.length} codes`).join(', ');
    // Not wrong, but surely not meant: an offer whose deadline has passed is never shown.
    config.offers.forEach((o, i) => {
      if (o.kind === 'urgency' && o.deadline !== null && Date.parse(o.deadline) <= Date.now()) {
        console.error(`${path}: offers[${i}].deadline: warning: ${o.deadline} has passed, so "${o.id}" is never shown (deadline-passed)`);
      }
    });
    console.log(
      `ok: ${path}: ${count(config.offers.length, 'offer')}${replaced > 0 ? ` (${replaced} replacing built-ins)` : ''}, ` +
        `${count(config.rules.length, 'rule')}, ${count(config.experiments.length, 'experiment')}${poolText ? `; pools: ${poolText}` : ''}`,
    );
    return 0;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const line of err.lines()) console.error(line);
    return 1;
  }
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
