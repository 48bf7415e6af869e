// Experiments as the offers file declares them.

/** One arm of an experiment. */
export interface Variant {
  /** Unique within the experiment; reported as `variant`. */
  id: string;
  /** Relative weight (> 0 except a variant switched off with 0); weights are normalised to sum 1. */
  weight: number;
  /** Offer id shown to this variant; null = control with no offer. */
  offer: string | null;
}

/** An A/B experiment: deterministic, sticky assignment by a hash of its seed and the visitor id. */
export interface Experiment {
  /** Unique id; a rule starts it by this id. */
  id: string;
  /** Hash seed; defaults to the id. Changing it reshuffles every visitor. */
  seed?: string;
  /** Share of visitors enrolled, 0–1 (the rest is the holdout and sees the default). Default 1. */
  coverage: number;
  /** The arms, with relative weights; a control has `offer: null`. */
  variants: Variant[];
  /** A stopped experiment enrols nobody; its results stay readable. */
  status: 'running' | 'stopped';
  /** Days from the first exposure in which a visitor's conversions and orders count. Default {@link DEFAULT_ATTRIBUTION_DAYS}. */
  attributionDays?: number;
  /** ISO 4217 currency of the revenue results; default the one with the most orders. */
  currency?: string;
  /** `fixed` (default): the weights as configured; `thompson`: a bandit reallocates them (bandit.ts). */
  allocation?: Allocation;
  /** What a bandit maximises: conversion rate (default) or revenue per visitor. */
  allocationMetric?: AllocationMetric;
}

export type Allocation = 'fixed' | 'thompson';
export type AllocationMetric = 'conversion' | 'revenue';

/** The attribution window of an experiment without its own. */
export const DEFAULT_ATTRIBUTION_DAYS = 7;

export interface Assignment {
  experimentId: string;
  variantId: string;
  offerId: string | null;
}
