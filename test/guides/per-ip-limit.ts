// Finds the per-IP limit of POST /events from outside: click events, spread over enough visitors
// that the per-visitor limit never trips first, until one is refused. Whether the refusal follows
// the client's address or the proxy's shows which address the server keyed on.
import { visitorIds } from '../support/visitor-ids';

export { clickBody as click } from '../support/decision-tokens';

/** How many events `send` got accepted (202) before the first 429; throws on anything else. */
export async function acceptedUntilLimited(label: string, send: (visitorId: string) => Promise<number>, max = 1000): Promise<number> {
  const visitors = visitorIds(50, label);
  for (let i = 0; i < max; i++) {
    const status = await send(visitors[i % visitors.length] ?? '');
    if (status === 429) return i;
    if (status !== 202) throw new Error(`event ${i + 1} of "${label}" was answered ${status}, expected 202 or 429`);
  }
  throw new Error(`"${label}": ${max} events were accepted and none was rate-limited`);
}
