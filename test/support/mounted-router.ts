// The real router mounted at /visitor-offers on a bare Express app listening on 127.0.0.1, so
// tests speak HTTP over real sockets and know the server's own origin (for Origin checks).
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {visitorOffers, type VisitorOffersRouter } from '../../server/router';
import type { VisitorOffersOptions } from '../../server/config/options-types';

export interface MountedRouter {
  router: VisitorOffersRouter;
  server: Server;
  /** `http://127.0.0.1:<port>`: the origin a same-origin page would send. */
  origin: string;
  /** Stops listening, then closes the router (drains goals briefly, closes the store). */
  close(timeoutMs?: number): Promise<void>;
}

export async function mountRouter(options: VisitorOffersOptions): Promise<MountedRouter> {
  const router = visitorOffers(options);
  const app = express();
  app.disable('x-powered-by');
  app.use('/visitor-offers', router);
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', () => resolve());
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | null = null;
  return {
    router,
    server,
    origin: `http://127.0.0.1:${port}`,
    close(timeoutMs = 500) {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }).then(() => router.close(timeoutMs));
      return closing;
    },
  };
}
