// A stored lead as `visitor-offers leads export` writes it: the same columns in CSV (through
// csv.ts: quoted, and formula-safe for spreadsheets) and in JSON lines (one object per line).
import type { Lead } from '../store/store.js';
import { csvRow } from './csv.js';

export const EXPORT_FORMATS = ['csv', 'jsonl'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const EXPORT_COLUMNS = ['id', 'email', 'offerId', 'visitorId', 'acceptedAt', 'deliveredDatafast', 'deliveredWebhook'] as const;

export interface ExportedLead {
  id: string;
  email: string;
  offerId: string;
  visitorId: string | null;
  /** ISO 8601, UTC. */
  acceptedAt: string;
  deliveredDatafast: boolean;
  deliveredWebhook: boolean;
}

export function exportedLead(lead: Lead): ExportedLead {
  return {
    id: lead.id,
    email: lead.email,
    offerId: lead.offerId,
    visitorId: lead.visitorId,
    acceptedAt: new Date(lead.at).toISOString(),
    deliveredDatafast: lead.delivered.datafast,
    deliveredWebhook: lead.delivered.webhook,
  };
}

/** What the file starts with: the CSV header row; nothing for JSON lines. */
export function exportHeader(format: ExportFormat): string {
  return format === 'csv' ? csvRow(EXPORT_COLUMNS) : '';
}

/** One lead as one line (CRLF-terminated in CSV, as RFC 4180 has it; LF in JSON lines). */
export function exportLine(format: ExportFormat, lead: Lead): string {
  const row = exportedLead(lead);
  if (format === 'jsonl') return `${JSON.stringify(row)}\n`;
  return csvRow(EXPORT_COLUMNS.map((column) => {
    const value = row[column];
    return typeof value === 'boolean' ? String(value) : value;
  }));
}
