// The outcomes of asking DataFast about one visitor, as the rest of the server sees them.
import type { Visitor } from './visitor.js';

/**
 * Why DataFast could not give an answer this time. None of these is the visitor's fault.
 * `too-large`, `malformed`: the realtime map passed the size limit and was refused unread, or
 * could not be read (a visitor's record is `unusable` instead). `paused`: no call was made,
 * because the breaker for this kind of call is open (after failures in a row, or a 429). `budget`: no
 * call was made, because the upstream budget (server/upstream/) has no call left for it now.
 */
export type UnavailableCause =
  | 'timeout'
  | 'network'
  | 'server-error'
  | 'malformed'
  | 'too-large'
  | 'rate-limited'
  | 'auth'
  | 'paused'
  | 'budget';

export type VisitorLookup =
  /** `stale` is set when the record is an older copy served because DataFast is failing. */
  | { kind: 'found'; visitor: Visitor; stale?: boolean }
  /** DataFast answered 400: not a UUID v4, or the visitor is flagged as a bot. */
  | { kind: 'bot' }
  /** DataFast answered 404: no pageviews for this visitor on this website. */
  | { kind: 'unknown' }
  /**
   * DataFast answered with this visitor's record, but we will not use it: over the size limit
   * (`too-large`, refused unread) or not a record we can read (`malformed`). About this visitor
   * only, so it is remembered like a 404 and never counts against the breaker.
   */
  | { kind: 'unusable'; cause: 'too-large' | 'malformed' }
  | { kind: 'unavailable'; cause: UnavailableCause };
