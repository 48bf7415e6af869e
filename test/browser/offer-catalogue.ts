// The offers a browser test page can ask for. One harness serves many configurations: every
// extra offer `<id>` gets a rule "page path /o/<id> → offer <id>", and a test selects it with
// `<visitor-offer page="/o/<id>">` (or the loader's data-page). Pages without such a path get the
// segment's default offer, whose built-in triggers are made immediate so that no test waits 8 s
// for the coupon.
import { BUILT_IN_OFFERS, type CouponOffer, type LeadMagnetOffer, type Offer, type UrgencyOffer } from '../../server/decision/offer';
import type { DecisionSettings } from '../../server/decision/policy';
import type { Rule } from '../../server/decision/rules';
import type { Experiment } from '../../server/experiments/types';
import type { PersonaName } from '../../demo/personas';
import type { HarnessOptions } from './harness';

export type Kind = 'coupon' | 'urgency' | 'lead';
export type Placement = 'inline' | 'bar' | 'slide-in' | 'modal';
export const PLACEMENTS: readonly Placement[] = ['inline', 'bar', 'slide-in', 'modal'];

function builtIn<K extends Offer['kind']>(kind: K): Extract<Offer, { kind: K }> {
  const o = BUILT_IN_OFFERS.find((b) => b.kind === kind);
  if (!o) throw new Error(`no built-in ${kind} offer`);
  return o as Extract<Offer, { kind: K }>;
}

export const BUILT_IN = { coupon: builtIn('coupon'), urgency: builtIn('urgency'), lead: builtIn('lead_magnet') };

/** Each kind, the seeded visitor whose segment gets it by default, and its offer. */
export const KINDS: Record<Kind, { persona: PersonaName; id: string; headline: string }> = {
  coupon: { persona: 'low', id: BUILT_IN.coupon.id, headline: BUILT_IN.coupon.headline },
  urgency: { persona: 'high', id: BUILT_IN.urgency.id, headline: BUILT_IN.urgency.headline },
  lead: { persona: 'lowConfidence', id: BUILT_IN.lead.id, headline: BUILT_IN.lead.headline },
};
export const KIND_NAMES: readonly Kind[] = ['coupon', 'urgency', 'lead'];
export const COUPON_CODE = 'WELCOME15';

export const coupon = (id: string, change: Partial<CouponOffer> = {}): CouponOffer => ({ ...BUILT_IN.coupon, id, ...change });
export const urgency = (id: string, change: Partial<UrgencyOffer> = {}): UrgencyOffer => ({ ...BUILT_IN.urgency, id, ...change });
export const lead = (id: string, change: Partial<LeadMagnetOffer> = {}): LeadMagnetOffer => ({ ...BUILT_IN.lead, id, ...change });

/** The path that selects offer `id` (a rule of catalogue()). */
export const pageFor = (id: string): string => `/o/${id}`;

export interface CatalogueOptions {
  /** Extra offers, each selected by the page path /o/<id>. */
  offers?: Offer[];
  /** Experiments, each selected by the page path /x/<experiment id>. */
  experiments?: Experiment[];
}

/**
 * The built-in offers with immediate triggers (the urgency bar also with a 15-minute countdown, so
 * every kind shows a timer), plus `offers` and `experiments` chosen by page path.
 */
export function catalogue({ offers = [], experiments = [] }: CatalogueOptions = {}): DecisionSettings {
  const rules: Rule[] = [
    ...offers.map((o): Rule => ({ id: `page-${o.id}`, when: { path: [pageFor(o.id)] }, then: { offer: o.id } })),
    ...experiments.map((e): Rule => ({ id: `page-x-${e.id}`, when: { path: [`/x/${e.id}`] }, then: { experiment: e.id } })),
  ];
  return {
    offers: [
      { ...BUILT_IN.coupon, trigger: { type: 'immediate' } },
      { ...BUILT_IN.urgency, countdownMinutes: 15 },
      { ...BUILT_IN.lead, trigger: { type: 'immediate' } },
      ...offers,
    ],
    rules,
    experiments,
  };
}

/** Router options for a suite that sends many events and leads from one address and visitor. */
export const GENEROUS_LIMITS: HarnessOptions['router'] = {
  limits: { eventsPerMinutePerIp: 100_000, eventsPerMinutePerVisitor: 100_000, leadsPerMinutePerIp: 100_000 },
};

/** Decision settings where one built-in offer is changed (trigger, placement, texts…). */
export function offerVariant(id: string, change: Partial<Offer>, extra: DecisionSettings = {}): DecisionSettings {
  const base = BUILT_IN_OFFERS.find((o) => o.id === id);
  if (!base) throw new Error(`no built-in offer "${id}"`);
  return { ...extra, offers: [...(extra.offers ?? []), { ...base, ...change } as Offer] };
}
