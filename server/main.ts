// `npm run serve`: the standalone server, configured from the environment.
import { serve } from './standalone.js';

await serve(process.env);
