// What the loader hands the rendering chunk when it starts it (render.ts): this page view's state.
// The chunk is a build of its own, so a module both bundled would exist twice, each with its own
// state (one /offer request cache, a preview link already taken out of the address bar); the
// chunk's modules read the loader's instead, from here. Member names have no trailing `_`: the two
// builds shorten those differently.
import type { OfferResponse } from './types';

export interface Shared {
  /** The loader's getDecision (decision.ts): one /offer request per endpoint and page, shared. */
  decide(api: string, page: string, timeoutMs: number): Promise<OfferResponse | null>;
  /** A preview page view (preview.ts): shows, sends and remembers nothing. */
  preview: boolean;
  /** performance.now() when /offer answered, per element the loader asked for: trigger delays count from it. */
  answered: WeakMap<Element, number>;
  /** The element the loader appended to <body> (no place of its own in the page), if it did. */
  dropIn: Element | null;
}

// Filled in by render.ts's start() before the element is defined, so before anything reads it.
export const shared = {} as Shared;
