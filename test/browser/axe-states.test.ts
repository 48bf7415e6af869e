// axe-core beyond the matrix (which covers inline, bar and slide-in): every kind as a modal, and
// the lead form's error and success states, in the light and the dark colour scheme — no violation.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { axeViolations } from './axe';
import { catalogue, coupon, lead, pageFor, urgency } from './offer-catalogue';
import { offerTag, paras } from './host-pages';
import { animationsDone, appeared } from './widget-probes';
import type { Visit } from './visit';
import { startHarness, type Harness } from './harness';

const now = { type: 'immediate' } as const;
const OFFERS = [
  coupon('axe-coupon-modal', { placement: 'modal', trigger: now }),
  urgency('axe-urgency-modal', { placement: 'modal', trigger: now, countdownMinutes: 15 }),
  lead('axe-lead-modal', { placement: 'modal', trigger: now }),
  lead('axe-lead-slide-in', { placement: 'slide-in', trigger: now }),
];
const SCHEMES = ['light', 'dark'] as const;

describe.concurrent('axe-core on modals and lead states (headless Chromium)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ decisions: catalogue({ offers: OFFERS }) });
  }, 30_000);
  afterAll(async () => {
    await h?.close();
  });

  const open = async (id: string, colorScheme: (typeof SCHEMES)[number]): Promise<Visit> => {
    const body = `<main><h1>Scan</h1>${paras(1, 2)}${offerTag({ page: pageFor(id) })}</main>`;
    const v = await h.visit(h.hostPage({ body }), { persona: 'low', context: { colorScheme } });
    await appeared(v.page);
    await animationsDone(v.page);
    return v;
  };

  for (const scheme of SCHEMES) {
    for (const kind of ['coupon', 'urgency', 'lead'] as const) {
      it(`${kind} modal, ${scheme}: no violation`, async ({ expect }) => {
        const v = await open(`axe-${kind}-modal`, scheme);
        expect(await axeViolations(v.page)).toEqual([]);
        await v.close();
      });
    }

    it(`lead form, ${scheme}: no violation with a bad email's error, nor in the success state`, async ({ expect }) => {
      const v = await open('axe-lead-slide-in', scheme);
      const input = v.page.locator('visitor-offer input[type=email]');
      await input.fill('nope');
      await v.page.locator('visitor-offer [part=button]').click();
      await v.page.locator('visitor-offer #err').waitFor();
      expect(await input.getAttribute('aria-invalid')).toBe('true');
      expect(await axeViolations(v.page)).toEqual([]);
      await input.fill('reader@example.com');
      await v.page.locator('visitor-offer [part=button]').click();
      await v.page.locator('visitor-offer [part=success]').waitFor();
      expect(await axeViolations(v.page)).toEqual([]);
      await v.close();
    });
  }
});
