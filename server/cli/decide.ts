// `visitor-offers decide --visitor <id> --path /pricing`: asks the configured DataFast about one
// visitor and prints what they would get and why — segment, each rule in order, experiment. It
// opens no store and hands out no single-use code: it only reads.
import type { Env } from '../config/env.js';
import { namedByEnv, optionsFromEnv } from '../config/env.js';
import { ConfigError } from '../config/config-error.js';
import { OffersRef } from '../config/offers-ref.js';
import { parseOptions } from '../config/options.js';
import type { AnalyticsClient } from '../analytics/client.js';
import { analyticsClient } from '../analytics/connect.js';
import type { PageFacts } from '../decision/decide.js';
import { explain, type Explanation } from '../decision/explain.js';
import { scoreLookup, type LocalScoreConfig } from '../scoring/score-source.js';
import type { Offer } from '../decision/offer.js';
import { createLogger } from '../logger.js';
import { readPage } from '../http/page-path.js';
import { readPostMetricId, readVisitorId } from '../visitor-id.js';
import { parse, UsageError } from './args.js';

export async function decideCommand(args: string[], env: Env): Promise<number> {
  const { values } = parse(args, { visitor: { type: 'string' }, path: { type: 'string' }, referrer: { type: 'string' }, json: { type: 'boolean' } });
  // The id rule of the provider the environment names (checked before anything else is read).
  const postmetric = env.ANALYTICS_PROVIDER?.trim().toLowerCase() === 'postmetric';
  const id = (postmetric ? readPostMetricId : readVisitorId)(values.visitor);
  if (id.kind !== 'valid') {
    const rule = postmetric ? 'a PostMetric visitor id (1–128 letters, digits, _ and -)' : 'a DataFast visitor id (a UUID v4)';
    throw new UsageError(values.visitor === undefined ? '--visitor is required' : `--visitor must be ${rule}`);
  }
  const page = readPage(values.path ?? '/', values.referrer);
  if (page === null) throw new UsageError('--path must be a page path starting with "/"');

  const options = optionsFromEnv(env);
  // Problems from a client or file are logged to stderr; stdout stays the answer.
  const logger = createLogger({ level: 'warn', destination: process.stderr });
  let offers: OffersRef;
  let client: AnalyticsClient;
  let localScore: LocalScoreConfig;
  try {
    const o = parseOptions(options);
    localScore = o.localScore;
    offers = new OffersRef(o.offers, logger);
    client = analyticsClient(o, logger);
  } catch (err) {
    throw err instanceof ConfigError ? namedByEnv(options, err) : err;
  }
  try {
    const asked = await client.getVisitor(id.id);
    // As the router does: with the local score on, a visitor without a prediction is scored here.
    const scored = localScore.mode === 'off' ? { lookup: asked, scoreSource: null } : scoreLookup(asked, localScore, Date.now());
    const lookup = scored.lookup;
    const explained = explain(lookup, offers.current.policy, page);
    const explanation = scored.scoreSource === null ? explained : { ...explained, decision: { ...explained.decision, scoreSource: scored.scoreSource } };
    if (values.json) console.log(JSON.stringify({ lookup: lookup.kind, ...explanation }, null, 2));
    else console.log(format(id.id, client.provider === 'postmetric' ? 'PostMetric' : 'DataFast', lookup.kind === 'unavailable' || lookup.kind === 'unusable' ? `${lookup.kind} (${lookup.cause})` : lookup.kind, page, explanation, offers.current.policy.thresholds));
    return lookup.kind === 'unavailable' || lookup.kind === 'unusable' ? 1 : 0;
  } finally {
    client.close();
  }
}

/** `provider`: the name of the provider that answered. */
function format(visitorId: string, provider: string, lookup: string, page: PageFacts, e: Explanation, t: { low: number; high: number; minConfidence: number }): string {
  const lines = [`Visitor ${visitorId}: ${provider} says ${lookup}`];
  const v = e.visitor;
  if (v) {
    const source = e.decision.scoreSource === 'local' ? ` (local score: ${provider} has no prediction)` : '';
    const prediction = v.score === null ? 'no prediction' : `score ${v.score}, confidence ${v.confidence}${source}`;
    lines.push(`  ${prediction} → segment ${e.decision.segment} (low < ${t.low}, high > ${t.high}, confidence ≥ ${t.minConfidence})`);
    lines.push(`  ${v.visitCount} visit${v.visitCount === 1 ? '' : 's'} · ${v.country ?? 'no country'} · ${v.device ?? 'no device'} · goals: ${v.goals.join(', ') || 'none'}`);
  }
  lines.push(`Page ${page.path}${page.referrer ? ` from ${page.referrer}` : ''}`);
  if (e.rules.length > 0) {
    lines.push('Rules, in order (the first that matches decides):');
    for (const step of e.rules) {
      const text =
        step.outcome === 'failed'
          ? `✗ ${step.rule}: ${step.detail}`
          : step.outcome === 'not-enrolled'
            ? `– ${step.rule}: matches, but experiment ${step.experiment} does not enrol this visitor (holdout or stopped)`
            : `✓ ${step.rule}: matches`;
      lines.push(`  ${text}`);
    }
  }
  const d = e.decision;
  const experiment = d.experiment ? ` · experiment ${d.experiment.id}, variant ${d.experiment.variant}` : '';
  lines.push(`Decision: ${d.offer ? describeOffer(d.offer) : 'no offer'}${experiment} · reason ${d.reason}`);
  return lines.join('\n');
}

function describeOffer(o: Offer): string {
  const t = o.trigger;
  const when = t.type === 'delay' ? `after ${t.seconds} s` : t.type === 'scroll' ? `at ${t.percent} % scrolled` : t.type;
  return `${o.id} (${o.kind.replace('_', ' ')}, ${o.placement}, ${when}): "${o.headline}"`;
}
