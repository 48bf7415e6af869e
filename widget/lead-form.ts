// The lead magnet's form: the email check and the POST {endpoint}/leads.
import { shared } from './shared';

// Our own check on top of type=email: something@domain.tld, as the server's check wants.
export const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)*\.[^\s@.]{2,}$/;

/** POSTs the lead; the HTTP status, or 0 when the server could not be reached. A preview succeeds without sending. */
export async function sendLead(api: string, email: string, offerId: string, token: string | undefined): Promise<number> {
  try {
    const res = shared.preview ? { status: 202 } : await fetch(`${api}/leads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, offerId, token }),
    });
    return res.status;
  } catch {
    return 0;
  }
}
