// The rules for a URL the server sends secrets or personal data to (DataFast's API with the key,
// the leads webhook with visitors' emails): http(s) only, no credentials in the URL, and HTTPS
// unless the other end is this machine (the tests, the demo and a local simulated DataFast).

/**
 * The problem with `value` as an upstream URL (never echoing it), or null when it is fine.
 * `credentialsHint`: where a secret goes instead, said when the URL carries one.
 */
export function upstreamUrlProblem(value: string, credentialsHint: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an http(s) URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http(s) URL';
  // Logged origins, error messages and proxies all handle URLs; a secret inside one leaks.
  if (url.username !== '' || url.password !== '') return `must not contain a user name or password (user:password@): ${credentialsHint}`;
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    return 'must use https:// (plain http:// only to this machine: localhost, 127.0.0.0/8 or [::1])';
  }
  return null;
}

/** localhost, 127.0.0.0/8 or ::1, as the WHATWG URL parser writes a hostname (IPv4 forms normalised). */
export function isLoopback(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
