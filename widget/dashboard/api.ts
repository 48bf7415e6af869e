// GET {endpoint}/dashboard/data, with the admin token when there is one. Every outcome is a value:
// the element decides what to show; nothing here throws or logs.
import type { DashboardSnapshot } from './types';

export type LoadResult =
  | { kind: 'ok'; data: DashboardSnapshot }
  /** 401: a token is needed, or the one sent was not accepted. */
  | { kind: 'unauthorized' }
  /** 404: the server has no ADMIN_TOKEN and the dashboard is not open. */
  | { kind: 'disabled' }
  | { kind: 'error'; message: string };

export async function loadSnapshot(url: string, token: string | null, timeoutMs: number): Promise<LoadResult> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await fetch(url, { headers, cache: 'no-store', credentials: 'same-origin', signal: abort.signal });
    if (res.status === 401) return { kind: 'unauthorized' };
    if (res.status === 404) return { kind: 'disabled' };
    if (!res.ok) return { kind: 'error', message: `the server answered HTTP ${res.status}` };
    const body: unknown = await res.json();
    return isSnapshot(body) ? { kind: 'ok', data: body } : { kind: 'error', message: 'the server sent data this page cannot read' };
  } catch (err) {
    const aborted = err instanceof DOMException && err.name === 'AbortError';
    return { kind: 'error', message: aborted ? `no answer within ${Math.round(timeoutMs / 1000)} s` : 'the server could not be reached' };
  } finally {
    clearTimeout(timer);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** Enough of the shape that rendering cannot throw; the server is trusted for the rest. */
function isSnapshot(v: unknown): v is DashboardSnapshot {
  return (
    isObject(v) &&
    typeof v.generatedAt === 'string' &&
    (v.activeVisitors === null || typeof v.activeVisitors === 'number') &&
    Array.isArray(v.visitors) &&
    Array.isArray(v.recentEvents) &&
    Array.isArray(v.recentPayments) &&
    Array.isArray(v.experiments) &&
    isObject(v.thresholds)
  );
}
