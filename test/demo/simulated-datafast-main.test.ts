// `npm run simulated-datafast`: the simulator on its own, as the README tells a developer to run it
// beside their app — it prints the URL and key to set, and answers them.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { personas } from '../../demo/personas';
import { waitFor } from '../support/wait';

describe('npm run simulated-datafast', () => {
  it('prints the settings to use, and answers a seeded visitor with that key', async () => {
    const child = spawn(process.execPath, ['dist/demo/simulated-datafast.js'], { env: { PATH: process.env.PATH ?? '', PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const line = await waitFor(() => /DATAFAST_API_URL=(\S+) DATAFAST_API_KEY=(\S+)/.exec(out), 'the settings line');
      expect(out).toContain(`low            ${personas.low.visitorId}`);
      const res = await fetch(`${line[1]}/api/v1/visitors/${personas.low.visitorId}`, { headers: { authorization: `Bearer ${line[2]}` } });
      expect(res.status).toBe(200);
      const refused = await fetch(`${line[1]}/api/v1/visitors/${personas.low.visitorId}`, { headers: { authorization: 'Bearer df_wrong' } });
      expect(refused.status).toBe(401);
    } finally {
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
    }
  });

  it('refuses a PORT that is not one, with one line', async () => {
    const child = spawn(process.execPath, ['dist/demo/simulated-datafast.js'], { env: { PATH: process.env.PATH ?? '', PORT: 'eighty' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(err).toBe('simulated DataFast: cannot start: PORT must be a port number from 0 to 65535, got "eighty"\n');
  });
});
