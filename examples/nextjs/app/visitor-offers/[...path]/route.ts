// app/visitor-offers/[...path]/route.ts — serves /visitor-offers/* from your Next.js site by
// forwarding it to the visitor-offers standalone server running beside Next, so the widget and
// its API share the site's origin and the browser sends DataFast's first-party cookie.
// VISITOR_OFFERS_URL is the server's address (default http://127.0.0.1:3000).

// A decision belongs to one visitor: run on every request, never from Next's caches.
export const dynamic = 'force-dynamic';
// The standalone server runs beside Next (on loopback, or at a private address whose TRUST_PROXY
// names Next's): Node.js, not the edge.
export const runtime = 'nodejs';

/** What the server reads: the visitor's cookie, the origin check, bot detection, revalidation, admin calls. */
const REQUEST_HEADERS = ['cookie', 'content-type', 'origin', 'sec-fetch-site', 'user-agent', 'accept', 'if-none-match', 'authorization'];

/** Hop-by-hop headers, and the body's length and encoding, which the runtime sets for the stream it sends. */
const DROPPED_RESPONSE_HEADERS = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'content-length', 'content-encoding']);

async function forward(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const target = new URL(url.pathname + url.search, process.env.VISITOR_OFFERS_URL ?? 'http://127.0.0.1:3000');

  const headers = new Headers();
  for (const name of REQUEST_HEADERS) {
    const value = request.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
  // The client address, for the per-IP rate limits. Let what is in front of Next set it (Vercel,
  // your load balancer): Next fills it in only when it is absent, so it keeps a client's own value.
  const clientAddress = request.headers.get('x-forwarded-for');
  if (clientAddress !== null) headers.set('x-forwarded-for', clientAddress);
  // The page's scheme and host: the server takes them as its own origin when it trusts this handler
  // (loopback by default, else TRUST_PROXY), so the page's Origin passes the same-origin check.
  headers.set('x-forwarded-proto', request.headers.get('x-forwarded-proto') ?? url.protocol.slice(0, -1));
  headers.set('x-forwarded-host', request.headers.get('x-forwarded-host') ?? url.host);
  // The body uncompressed, so the bytes and the headers passed on below belong together.
  headers.set('accept-encoding', 'identity');

  let answer: Response;
  try {
    answer = await fetch(target, {
      method: request.method,
      headers,
      body: request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.arrayBuffer(),
      redirect: 'manual',
      cache: 'no-store',
      signal: request.signal,
    });
  } catch {
    // The widget shows nothing on any failure; the page itself is unaffected.
    return Response.json({ error: 'visitor-offers is unavailable' }, { status: 502, headers: { 'cache-control': 'no-store' } });
  }

  const responseHeaders = new Headers();
  answer.headers.forEach((value, name) => {
    if (!DROPPED_RESPONSE_HEADERS.has(name)) responseHeaders.append(name, value);
  });
  return new Response(answer.body, { status: answer.status, statusText: answer.statusText, headers: responseHeaders });
}

export const GET = forward;
export const POST = forward;
