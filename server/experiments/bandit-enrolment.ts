// Decisions with bandits in them: a bandit's arm for a visitor is sticky by record, not by hash.
// A visitor enrolled before (remembered here, else found in the store) keeps their arm whatever
// the weights are now (adaptive-assign.ts); a new one is placed against the weights in force and
// enrolled in the store before the answer goes out — the first enrolment wins, so two instances
// placing one visitor at once agree, and the answer (and its signed token) names the stored arm.
// The first new visitor after a start waits for weights computed from the results. Experiments
// with fixed weights are decided by their hash (assign.ts), with no I/O. When the store cannot
// enrol, the answer is no offer with reason `store-unavailable` (logged at most once a minute).
import { LRUCache } from 'lru-cache';
import type { Decision } from '../decision/decide.js';
import { ThrottledLog } from '../delivery/throttled-log.js';
import type { Logger } from '../logger.js';
import { errorCode } from '../store/backend.js';
import type { StoreRef } from '../store/store-ref.js';
import { assignAdaptive } from './adaptive-assign.js';
import { assign } from './assign.js';
import type { BanditAllocator } from './bandit-allocator.js';
import { isBandit } from './bandit.js';
import type { Assignment, Experiment } from './types.js';

/** How a decision places the visitor in an experiment a rule sends them to (decide.ts `walkRules`). */
export type Enrol = (experiment: Experiment) => Assignment | null;

export interface BanditEnrolmentOptions {
  store: StoreRef;
  allocator: BanditAllocator;
  logger: Logger;
  /** (experiment, visitor) enrolments remembered in this process. Default 100,000. */
  remember?: number;
}

interface Proposal {
  experiment: Experiment;
  assignment: Assignment;
}

export class BanditEnrolments {
  readonly #o: BanditEnrolmentOptions;
  readonly #known: LRUCache<string, string>;
  readonly #log: ThrottledLog;

  constructor(options: BanditEnrolmentOptions) {
    this.#o = options;
    this.#known = new LRUCache({ max: options.remember ?? 100_000 });
    this.#log = new ThrottledLog(options.logger);
  }

  /**
   * The decision `run` comes to with this visitor's enrolments: synchronous unless it places the
   * visitor in a bandit they are not known to be in (then the store decides).
   */
  decide(visitorId: string, run: (enrol: Enrol) => Decision): Decision | Promise<Decision> {
    const seen: { proposal: Proposal | null } = { proposal: null };
    const enrol: Enrol = (e) => {
      if (!isBandit(e)) return assign(e, visitorId);
      // A stopped bandit enrols nobody (adaptive-assign.ts): no weights needed.
      if (e.status !== 'running') return null;
      const known = this.#known.get(key(e.id, visitorId)) ?? null;
      const a = assignAdaptive(e, visitorId, this.#o.allocator.weights(e), known);
      if (known === null && a !== null) seen.proposal = { experiment: e, assignment: a };
      return a;
    };
    const decision = run(enrol);
    const proposal = seen.proposal;
    if (proposal === null) return decision;
    return this.#enrolNew(visitorId, proposal.experiment, () => {
      seen.proposal = null;
      return { decision: run(enrol), proposal: seen.proposal };
    }).catch((err: unknown) => {
      this.#log.warn('bandit-enrol', { experiment: proposal.experiment.id, code: errorCode(err) }, 'bandit: could not enrol a visitor; answered no offer (store-unavailable)');
      return { offer: null, experiment: null, segment: decision.segment, reason: 'store-unavailable' };
    });
  }

  async #enrolNew(visitorId: string, experiment: Experiment, again: () => { decision: Decision; proposal: Proposal | null }): Promise<Decision> {
    const store = this.#o.store.current ?? (await this.#o.store.ready);
    // Nobody is placed on the configured start when results can say better.
    if (this.#o.allocator.computed(experiment) === null) await this.#o.allocator.settled(experiment);
    const { decision, proposal } = again();
    if (proposal === null) return decision;
    const { variantId } = await store.enrol(proposal.experiment.id, visitorId, proposal.assignment.variantId);
    this.#known.set(key(proposal.experiment.id, visitorId), variantId);
    if (variantId === proposal.assignment.variantId) return decision;
    // Enrolled before (elsewhere, or forgotten here): decide again with the arm the store holds
    // (an arm since removed sends the walk on, maybe to another bandit: each one enrols once).
    const next = again();
    return next.proposal === null ? next.decision : this.#enrolNew(visitorId, next.proposal.experiment, again);
  }
}

const key = (experimentId: string, visitorId: string): string => `${experimentId}\u0000${visitorId}`;
