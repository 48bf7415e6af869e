// What a browser must never receive: the secrets and every piece of personal data in the seeds.
import { personas } from '../../demo/personas';
import { postMetricPersonas } from '../../demo/postmetric-personas';
import { SIMULATED_DATAFAST_DEFAULTS } from '../../demo/simulated-datafast';
import { SIMULATED_POSTMETRIC_DEFAULTS } from '../../demo/simulated-postmetric';

export const SECRETS = [SIMULATED_DATAFAST_DEFAULTS.apiKey, SIMULATED_DATAFAST_DEFAULTS.accountToken, SIMULATED_POSTMETRIC_DEFAULTS.apiKey];

/** Field names that would mean the visitor record leaked. */
export const FORBIDDEN_KEYS = ['email', 'name', 'userId', 'metadata', 'city', 'region', 'latitude', 'longitude', 'profile', 'identity', 'activity', 'prediction'];

/** Every string value under identity.city/region and profile in the seeded personas. */
export function personalValues(): string[] {
  const out = new Set<string>();
  const collect = (v: unknown): void => {
    if (typeof v === 'string' && v.length >= 5) out.add(v); // shorter ones ("pro") occur in ordinary copy
    else if (v && typeof v === 'object') for (const x of Object.values(v)) collect(x);
  };
  for (const p of Object.values(personas)) {
    const identity = p.data?.identity as Record<string, unknown> | undefined;
    collect(identity?.city);
    collect(identity?.region);
    collect(p.data?.profile);
  }
  return [...out];
}

/** Recursively lists the keys of a parsed JSON value. */
export function keysOf(value: unknown, acc: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) keysOf(v, acc);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      acc.push(k);
      keysOf(v, acc);
    }
  }
  return acc;
}

/** Values only a PostMetric visitor record holds (its session ids), so one in an answer or a log line means the record leaked. */
export function postMetricRecordValues(): string[] {
  const out: string[] = [];
  for (const p of Object.values(postMetricPersonas)) {
    const sessions = (p.data?.sessions ?? []) as Array<{ sessionId?: unknown }>;
    for (const s of sessions) if (typeof s.sessionId === 'string') out.push(s.sessionId);
  }
  return out;
}
