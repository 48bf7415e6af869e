// Social proof for urgency offers: GET {endpoint}/live, how many people are on the site now.

/** The number of active visitors, or 0 when it cannot be had (it is optional). */
export async function activeVisitors(api: string): Promise<number> {
  try {
    const body: unknown = await (await fetch(`${api}/live`)).json();
    const n = (body as { activeVisitors?: unknown } | null)?.activeVisitors;
    return typeof n === 'number' ? n : 0;
  } catch {
    return 0;
  }
}
