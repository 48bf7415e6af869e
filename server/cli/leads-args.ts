// `visitor-offers leads export|delete …` arguments: node's parser for the flags, then one schema
// for what they must be, each mistake a pointed usage error (exit code 2).
import { z } from 'zod';
import { EXPORT_FORMATS, type ExportFormat } from '../leads/export-rows.js';
import { parse, UsageError } from './args.js';

export type LeadsAction = { action: 'export'; format: ExportFormat; since: number | null; output: string | null } | { action: 'delete'; email: string };

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/i;
const SINCE_HINT = 'expected an ISO date (2026-03-01, midnight UTC) or date-time with a time zone (2026-03-01T09:30:00Z, 2026-03-01T09:30+02:00)';

/** An ISO date or date-time (with its zone: a bare local time means something else on every machine) as ms epoch; null if it is not one. */
export function parseSince(text: string): number | null {
  const m = DATE_TIME.exec(text) ?? DATE.exec(text);
  if (m === null) return null;
  const [year, month, day, hour = 0, minute = 0, second = 0] = m.slice(1, 7).map((x) => (x === undefined ? undefined : Number(x))) as number[];
  const inDays = month !== undefined && month >= 1 && month <= 12 && day !== undefined && day >= 1 && day <= new Date(Date.UTC(year ?? 0, month, 0)).getUTCDate();
  if (!inDays || hour > 23 || minute > 59 || second > 59) return null;
  const at = Date.parse(m[7] === undefined ? `${text}T00:00:00Z` : text);
  return Number.isFinite(at) ? at : null;
}

const exportSchema = z.strictObject(
  {
    action: z.literal('export'),
    format: z.enum(EXPORT_FORMATS, { error: (iss) => (iss.input === undefined ? '--format is required: csv or jsonl' : `--format must be csv or jsonl, not "${String(iss.input)}"`) }),
    since: z
      .string()
      .optional()
      .transform((text, ctx) => {
        if (text === undefined) return null;
        const at = parseSince(text.trim());
        if (at === null) ctx.addIssue({ code: 'custom', message: `--since "${text}": ${SINCE_HINT}` });
        return at;
      }),
    output: z
      .string()
      .trim()
      .min(1, '--output must name a file')
      .optional()
      .transform((path) => path ?? null),
  },
  { error: (iss) => (iss.code === 'unrecognized_keys' ? `${iss.keys.map((k) => `--${k}`).join(', ')} is not an option of leads export` : undefined) },
);

const deleteSchema = z.strictObject(
  {
    action: z.literal('delete'),
    email: z
      .string({ error: (iss) => (iss.input === undefined ? '--email is required: the address whose leads to erase' : undefined) })
      .trim()
      .regex(/^[^\s@]+@[^\s@]+$/, '--email must be an email address, like ann@example.com'),
  },
  { error: (iss) => (iss.code === 'unrecognized_keys' ? `${iss.keys.map((k) => `--${k}`).join(', ')} is not an option of leads delete` : undefined) },
);

const leadsSchema = z.discriminatedUnion('action', [exportSchema, deleteSchema], {
  error: (iss) => {
    const action = (iss.input as { action?: unknown } | undefined)?.action;
    return action === undefined ? 'give export or delete' : `unknown action "${String(action)}": give export or delete`;
  },
});

/** @throws UsageError naming the first mistake */
export function parseLeadsArgs(args: string[]): LeadsAction {
  const { values, positionals } = parse(args, { format: { type: 'string' }, since: { type: 'string' }, output: { type: 'string' }, email: { type: 'string' } }, true);
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1] ?? ''}"`);
  const parsed = leadsSchema.safeParse({ action: positionals[0], ...values });
  if (!parsed.success) throw new UsageError(parsed.error.issues[0]?.message ?? 'invalid arguments');
  return parsed.data;
}
