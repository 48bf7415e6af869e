// Experiments as the offers file declares them.

export interface Variant {
  id: string;
  /** Relative weight (> 0 except a variant switched off with 0); weights are normalised to sum 1. */
  weight: number;
  /** Offer id shown to this variant; null = control with no offer. */
  offer: string | null;
}

export interface Experiment {
  id: string;
  /** Hash seed; defaults to the id. Changing it reshuffles every visitor. */
  seed?: string;
  /** Share of visitors enrolled, 0–1 (the rest is the holdout and sees the default). Default 1. */
  coverage: number;
  variants: Variant[];
  /** A stopped experiment enrols nobody; its results stay readable. */
  status: 'running' | 'stopped';
}

export interface Assignment {
  experimentId: string;
  variantId: string;
  offerId: string | null;
}
