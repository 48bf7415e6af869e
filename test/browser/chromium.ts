// Debian's headless Chromium as every browser test launches it (playwright-core drives it), and
// where the suite's screenshots go.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const ARTIFACTS_DIR = join(ROOT, 'test-artifacts');
