// visitor-offers mounted on an existing Express app, as the README shows it; runnable as is:
//   npm install express <the visitor-offers tarball or git URL>
//   npm install -D typescript @types/express @types/node
//   npx tsc && DATAFAST_API_KEY=df_… node dist/server.js
// Settings come from the environment: DATAFAST_API_KEY (required), DATAFAST_API_URL, OFFERS_CONFIG
// (default ./offers.json), DATA_DIR (default ./data), HOST and PORT.
import express from 'express';
import { ConfigError, loadOffersFile, visitorOffers, type VisitorOffersRouter } from 'visitor-offers';

const app = express();

// The site's own routes stay as they are.
app.get('/', (_req, res) => {
  res.send('<h1>My shop</h1><script type="module" src="/visitor-offers/widget.js"></script>');
});

function mountOffers(): VisitorOffersRouter {
  try {
    return visitorOffers({
      // A missing key is reported at mount time, naming datafast.apiKey.
      datafast: { apiKey: process.env.DATAFAST_API_KEY ?? '', apiUrl: process.env.DATAFAST_API_URL },
      // The offers file: validated and normalised here, so a mistake stops the app before it listens.
      ...loadOffersFile(process.env.OFFERS_CONFIG ?? './offers.json'),
      dataDir: process.env.DATA_DIR ?? './data',
    });
  } catch (err) {
    if (err instanceof ConfigError) {
      // One line naming the place and the problem, e.g. `offers[2].headline: must not be empty`.
      console.error(`cannot start: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
}

const offers = mountOffers();
app.use('/visitor-offers', offers);

const host = process.env.HOST ?? '127.0.0.1';
const server = app.listen(Number(process.env.PORT ?? 3000), host, () => {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : process.env.PORT;
  console.log(`listening on http://${host}:${port}`);
});

// On shutdown: stop taking requests, then let the router deliver queued events and close its store.
process.once('SIGTERM', () => {
  server.close(() => void offers.close().then(() => process.exit(0)));
  server.closeIdleConnections();
});
