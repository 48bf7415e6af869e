// A page with a strict Content-Security-Policy — no 'unsafe-inline', everything from 'self' —
// gets every kind working: rendered and styled (adopted style sheets), the coupon copied, the
// live activity fetched, a lead submitted, the modal opened, with the ESM and the IIFE build;
// and not one securitypolicyviolation event nor console error. A control page proves the
// violation probe is not blind.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { catalogue, COUPON_CODE, KINDS, type Kind, type Placement } from './offer-catalogue';
import { HOST_CSS_LINK, offerTag, para, paras, serveAssets } from './host-pages';
import { visitPaused } from './page-clock';
import { containerOf } from './widget-probes';
import { seenForASecond, settledProbe } from './layout-probes';
import { startHarness, type Harness } from './harness';
import { MOUNT_PATH } from '../../server/app';

/** The policy as the issue states it. */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'";

describe.concurrent('strict Content-Security-Policy (headless Chromium)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ decisions: catalogue(), router: { limits: { leadsPerMinutePerIp: 1000 } } });
    serveAssets(h);
  }, 30_000);

  afterAll(async () => {
    await h?.close();
  });

  const page = (placement: Placement, script?: string): string =>
    h.hostPage({
      title: `CSP ${placement}`,
      csp: CSP,
      head: HOST_CSS_LINK,
      ...(script ? { script } : {}),
      body: `<main><h1>Strict CSP</h1>${para(1)}${placement === 'inline' ? offerTag({ placement }) : ''}${paras(2, 3)}</main>${placement === 'inline' ? '' : offerTag({ placement })}`,
    });

  it('control: the probe sees violations (an inline style and an inline script are refused)', async ({ expect }) => {
    const path = h.hostPage({ csp: CSP, script: false, body: '<p style="color: red">styled</p><script>document.title = "ran"</script>' });
    const v = await h.visit(path);
    await expect.poll(async () => (await v.probe()).violations.map((x) => x.directive).sort()).toEqual(['script-src-elem', 'style-src-attr']);
    expect(await v.page.title()).not.toBe('ran');
    await v.close();
  });

  const cases: Array<[Kind, Placement, string | undefined]> = [
    ['coupon', 'slide-in', undefined],
    ['coupon', 'modal', undefined],
    ['urgency', 'bar', undefined],
    ['lead', 'inline', undefined],
    ['coupon', 'bar', `<script src="${MOUNT_PATH}/widget.iife.js"></script>`],
  ];
  for (const [kind, placement, script] of cases) {
    it(`${kind} as ${placement}${script ? ' (IIFE build)' : ''}: works, styled, no violation, no console error`, async ({ expect }) => {
      // On the page's clock: the exposure is due after a second in view, however slow the machine.
      const v = await visitPaused(h, page(placement, script), { persona: KINDS[kind].persona });
      const { page: p } = v;
      await seenForASecond(v);
      await p.clock.resume(); // nothing timed from here on
      const container = containerOf(p);
      await container.waitFor({ state: 'visible' });
      // Styled: the element's adopted style sheet applies.
      const position = await container.evaluate((el) => getComputedStyle(el).position);
      // A modal dialog must stay fixed in the viewport (a scrolled page must not scroll to it).
      expect(position).toBe(placement === 'inline' ? 'relative' : 'fixed');
      expect(await container.evaluate((el) => getComputedStyle(el).boxShadow)).not.toBe('none');
      if (kind === 'coupon') {
        await p.locator('visitor-offer [part=button]').click();
        await expect.poll(() => p.locator('visitor-offer [part=button]').textContent()).toBe('Copied ✓');
        expect(await p.evaluate(() => navigator.clipboard.readText())).toBe(COUPON_CODE);
      } else if (kind === 'urgency') {
        await expect.poll(() => p.locator('visitor-offer .live').textContent(), { timeout: 5000 }).toMatch(/people are viewing now/);
      } else {
        await p.locator('visitor-offer input').fill('csp.reader@example.com');
        await p.locator('visitor-offer [part=button]').click();
        await expect.poll(() => container.innerText()).toContain('Thank you!');
      }
      await expect.poll(() => v.events('exposure').length).toBe(1);
      const probe = await settledProbe(v);
      expect(probe.violations).toEqual([]);
      expect(probe.cls).toBe(0);
      expect(v.consoleErrors).toEqual([]);
      await h.screenshot(p, `csp-${kind}-${placement}${script ? '-iife' : ''}`);
      await v.close();
    });
  }
});
