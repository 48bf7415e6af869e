// The standalone server's variables reach the running server (`npm run serve`, the built
// dist/server/main.js): a router option (LIMIT_LEADS_PER_MINUTE_PER_IP) and a setting of its HTTP
// server (KEEP_ALIVE_TIMEOUT_MS, set longer than a load balancer's 60 s idle timeout).
import { once } from 'node:events';
import { request } from 'node:http';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startStandaloneServer } from '../guides/standalone-server';
import { waitFor } from '../support/wait';
import { leadBodyFor } from '../support/decision-tokens';
import { uuidFrom } from '../support/visitor-ids';

/** POSTs a lead from 127.0.0.1 on a fresh connection; resolves the status. */
function postLead(url: string, email: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    // Each lead from its own visitor, with the token a server started with TEST_SECRET accepts.
    const visitor = uuidFrom(`standalone-env-${email}`);
    const headers = { 'content-type': 'application/json', origin: url, cookie: `datafast_visitor_id=${visitor}` };
    const req = request({ host: hostname, port, method: 'POST', path: '/visitor-offers/leads', headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(leadBodyFor(visitor, email));
  });
}

/** The head of the answer to a keep-alive GET /healthz on a raw connection. */
async function keepAliveHead(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  try {
    await once(socket, 'connect');
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (text += d));
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    return (await waitFor(() => text.includes('\r\n\r\n') && text, 'the answer’s head')).split('\r\n\r\n')[0] ?? '';
  } finally {
    socket.destroy();
  }
}

describe('npm run serve with KEEP_ALIVE_TIMEOUT_MS=65000 and LIMIT_LEADS_PER_MINUTE_PER_IP=2', () => {
  it('gives its HTTP server a 65 s keep-alive (the start-up line and Keep-Alive say so) and refuses the third lead a minute', { timeout: 30_000 }, async () => {
    const server = await startStandaloneServer({ KEEP_ALIVE_TIMEOUT_MS: '65000', LIMIT_LEADS_PER_MINUTE_PER_IP: '2' });
    try {
      const started = JSON.parse(server.output().split('\n').find((l) => l.includes('listening on')) ?? '{}') as { limits?: { keepAliveTimeoutMs?: number } };
      expect(started.limits?.keepAliveTimeoutMs).toBe(65_000);
      // Node announces its keep-alive timeout in whole seconds: a proxy may read it.
      expect(await keepAliveHead(server.url)).toMatch(/\r\nKeep-Alive: timeout=65$/im);
      const statuses = [];
      for (const email of ['a@example.com', 'b@example.com', 'c@example.com']) statuses.push(await postLead(server.url, email));
      expect(statuses).toEqual([202, 202, 429]);
    } finally {
      await server.close();
    }
  });
});
