// The outcomes of asking DataFast about one visitor, as the rest of the server sees them.
import type { Visitor } from './visitor.js';

/**
 * Why DataFast could not give an answer this time. None of these is the visitor's fault.
 * `too-large`: the body passed the size limit and was refused unread. `paused`: no call was made,
 * because the breaker for this kind of call is open (after failures in a row, or a 429).
 */
export type UnavailableCause =
  | 'timeout'
  | 'network'
  | 'server-error'
  | 'malformed'
  | 'too-large'
  | 'rate-limited'
  | 'auth'
  | 'paused';

export type VisitorLookup =
  /** `stale` is set when the record is an older copy served because DataFast is failing. */
  | { kind: 'found'; visitor: Visitor; stale?: boolean }
  /** DataFast answered 400: not a UUID v4, or the visitor is flagged as a bot. */
  | { kind: 'bot' }
  /** DataFast answered 404: no pageviews for this visitor on this website. */
  | { kind: 'unknown' }
  | { kind: 'unavailable'; cause: UnavailableCause };
