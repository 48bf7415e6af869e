// Small helpers every JSON route shares: one way to answer, one way to name a validation error.
import type { Response } from 'express';
import type { z } from 'zod';

export function reply(res: Response, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.status(status).set({ 'cache-control': 'no-store', ...headers }).json(body);
}

/** `field: problem` for the first issue, the way config errors read. */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid body';
  const where = issue.path.length > 0 ? issue.path.map(String).join('.') : 'body';
  return `${where}: ${issue.message}`;
}
