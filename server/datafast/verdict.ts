// What one call through a breaker comes to: the result its caller gets, and what the breaker is
// told. Only failures of DataFast or the way to it count against the breaker (FailureCause); a
// body we refuse (BodyRejection) is reported for the log but is an answer; auth, paused and budget are
// answers too (a refused key is logged on its own, and a paused call made none).
import type { BodyRejection, CallProblem, FailureDetail } from './breaker-view.js';
import type { UnavailableCause, VisitorLookup } from './lookup.js';

/** What a guarded call returns: its result, and what it tells the breaker (null: DataFast answered usably). */
export interface Verdict<T> {
  result: T;
  /** A FailureCause counts against the breaker; a BodyRejection is reported but is an answer. */
  failure: { cause: CallProblem; detail?: FailureDetail } | null;
}

export function answered<T>(result: T): Verdict<T> {
  return { result, failure: null };
}

/** An unavailable answer; DataFast refusing the credential is an answer as far as the breaker goes. */
export function unavailable(cause: UnavailableCause, detail?: FailureDetail): Verdict<{ kind: 'unavailable'; cause: UnavailableCause }> {
  const result = { kind: 'unavailable' as const, cause };
  if (cause === 'auth' || cause === 'paused' || cause === 'budget') return { result, failure: null };
  return { result, failure: detail === undefined ? { cause } : { cause, detail } };
}

/** This visitor's record refused (too large, unreadable): their answer, reported to the breaker as an answer. */
export function unusableRecord(cause: BodyRejection, detail?: FailureDetail): Verdict<Extract<VisitorLookup, { kind: 'unusable' }>> {
  return { result: { kind: 'unusable', cause }, failure: detail === undefined ? { cause } : { cause, detail } };
}
