// The lead-magnet form: an invalid email is caught in the browser and nothing is sent; a valid one
// goes to POST /leads (202 → success state and visitor-offer-lead, and on to DataFast as a goal);
// a server that refuses (400) or fails (503, connection dropped) leaves an error state that keeps
// what was typed, and the visitor can try again.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { personas } from '../../demo/personas';
import { catalogue, GENEROUS_LIMITS, KINDS, lead } from './offer-catalogue';
import { HOST_CSS_LINK, offerTag, para, paras, serveAssets } from './host-pages';
import { decisionWith, fakeEndpoint, type FakeEndpoint } from './fake-endpoints';
import { appeared, focusInfo, widgetState } from './widget-probes';
import type { Visit } from './visit';
import { startHarness, type Harness } from './harness';
import { MOUNT_PATH } from '../../server/app';

const LEAD = KINDS.lead.id;
const ASSET = 'The Starter Guide (PDF)';

describe.concurrent('lead magnet form (headless Chromium)', () => {
  let h: Harness;
  let flaky: FakeEndpoint;
  let dropping: FakeEndpoint;
  let flakyCalls = 0;

  beforeAll(async () => {
    h = await startHarness({ decisions: catalogue(), router: GENEROUS_LIMITS });
    serveAssets(h);
    const decision = decisionWith(lead(LEAD, { trigger: { type: 'immediate' } }));
    // The store is unavailable for the first submission (503), then accepts.
    flaky = fakeEndpoint(h, 'flaky', {
      offer: decision,
      leads: (_req, res) => void (++flakyCalls === 1 ? res.status(503).json({ error: 'leads cannot be stored right now' }) : res.status(202).json({ ok: true })),
    });
    // The connection drops without an answer.
    dropping = fakeEndpoint(h, 'dropping', { offer: decision, leads: (req) => void req.socket.destroy() });
  }, 30_000);

  afterAll(async () => {
    await h?.close();
  });

  const formPage = (attrs: Record<string, string> = {}): string =>
    h.hostPage({ head: HOST_CSS_LINK, body: `<main><h1>Guide</h1>${para(1)}${offerTag({ placement: 'inline', ...attrs })}${paras(2, 2)}</main>` });

  async function open(attrs: Record<string, string> = {}): Promise<Visit> {
    const v = await h.visit(formPage(attrs), { persona: 'lowConfidence' });
    await appeared(v.page);
    return v;
  }

  const input = (v: Visit) => v.page.locator('visitor-offer input[type=email]');
  const submit = (v: Visit) => v.page.locator('visitor-offer [part=button]');
  const leadPosts = (v: Visit) => v.allRequests.filter((r) => r.method === 'POST' && r.path.endsWith('/leads'));

  it('an invalid email: marked aria-invalid, described by its error message, announced, focus kept on it; nothing sent', async ({ expect }) => {
    const v = await open();
    for (const typed of ['not-an-email', 'someone@localhost', '']) {
      await input(v).fill(typed);
      await submit(v).click();
      const err = v.page.locator('visitor-offer #err');
      await expect.poll(() => err.textContent()).toBe('Please enter a valid email address.');
      expect(await input(v).getAttribute('aria-invalid'), typed).toBe('true');
      expect(await input(v).getAttribute('aria-describedby'), typed).toBe('err');
      expect(await input(v).inputValue()).toBe(typed);
      expect((await focusInfo(v.page)).tag, typed).toBe('input');
      expect((await widgetState(v.page))?.live).toBe('Please enter a valid email address.');
    }
    // A request the page makes after the submissions: the page's requests are seen in the order it
    // makes them, so a POST /leads from a submission would have been seen before this one.
    const barrier = '/favicon.ico?after-submissions';
    await v.page.evaluate((url) => fetch(url).then(() => undefined), barrier);
    await expect.poll(() => v.allRequests.some((r) => r.path === barrier)).toBe(true);
    expect(leadPosts(v)).toEqual([]);
    expect((await v.probe()).events.filter((e) => e.type === 'visitor-offer-lead')).toEqual([]);
    expect(v.consoleErrors).toEqual([]);
    await v.close();
  });

  it('a valid email (submitted with Enter) → 202 → success state, visitor-offer-lead without the email, and a lead goal at DataFast', async ({ expect }) => {
    const v = await open();
    const email = 'Reader+guide@Example.COM';
    await input(v).fill(email);
    const answer = v.page.waitForResponse((r) => r.url().endsWith(`${MOUNT_PATH}/leads`));
    await input(v).press('Enter');
    expect((await answer).status()).toBe(202);
    const container = v.page.locator('visitor-offer [part=container]');
    await expect.poll(() => container.innerText()).toMatch(new RegExp(`Thank you!\\s+${ASSET.replace(/[()]/g, '\\$&')} is on its way: check your inbox\\.`));
    expect(await input(v).count()).toBe(0);
    // With the signed decision of the visitor's /offer: the server stored it only because it checked out.
    expect(leadPosts(v).map((r) => r.body)).toEqual([{ email, offerId: LEAD, token: expect.stringMatching(/^[A-Za-z0-9_-]{80,}$/) as unknown }]);
    const events = (await v.probe()).events.filter((e) => e.type === 'visitor-offer-lead');
    expect(events).toEqual([expect.objectContaining({ detail: { offerId: LEAD, experiment: null, variant: null }, bubbles: true, composed: true })]);
    expect(JSON.stringify(events)).not.toContain('@');
    expect((await widgetState(v.page))?.live).toBe(`Thank you! ${ASSET} is on its way: check your inbox.`);
    await expect
      .poll(() => h.sim.goals.filter((g) => g.name === 'offer_lead' && g.visitorId === personas.lowConfidence.visitorId).length, { timeout: 5000 })
      .toBeGreaterThanOrEqual(1);
    expect(v.consoleErrors).toEqual([]);
    await v.close();
  });

  it('the server refuses the address (400): an error state that keeps it, marked invalid', async ({ expect }) => {
    const v = await open();
    const typed = 'someone@example.c0m'; // fine for the browser, not for the server (a TLD of letters)
    await input(v).fill(typed);
    await submit(v).click();
    const err = v.page.locator('visitor-offer .err');
    await expect.poll(() => err.textContent()).toBe('Please check your email address.');
    expect(await input(v).inputValue()).toBe(typed);
    expect(await input(v).getAttribute('aria-invalid')).toBe('true');
    expect(await input(v).getAttribute('aria-describedby')).toBe('err');
    expect(v.scriptErrors).toEqual([]);
    expect(v.networkErrors).toEqual([expect.stringContaining('status of 400')]); // the browser's own line
    await v.close();
  });

  it('the store is unavailable (503): an error state that keeps the email; trying again succeeds', async ({ expect }) => {
    const v = await open({ endpoint: flaky.endpoint });
    const typed = 'second.try@example.com';
    await input(v).fill(typed);
    await submit(v).click();
    const err = v.page.locator('visitor-offer .err');
    await expect.poll(() => err.textContent()).toBe('Something went wrong. Please try again.');
    expect(await input(v).inputValue()).toBe(typed);
    expect(await input(v).getAttribute('aria-invalid')).toBe('false');
    expect((await widgetState(v.page))?.live).toBe('Something went wrong. Please try again.');
    await h.screenshot(v.page, 'lead-inline-error');
    await submit(v).click();
    await expect.poll(() => v.page.locator('visitor-offer [part=container]').innerText()).toContain('Thank you!');
    expect(flaky.hits.leads).toBe(2);
    expect((await v.probe()).events.filter((e) => e.type === 'visitor-offer-lead')).toHaveLength(1);
    expect(v.scriptErrors).toEqual([]);
    await v.close();
  });

  it('the connection drops: the same error state, the email kept', async ({ expect }) => {
    const v = await open({ endpoint: dropping.endpoint });
    await input(v).fill('dropped@example.com');
    await submit(v).click();
    await expect.poll(() => v.page.locator('visitor-offer .err').textContent()).toBe('Something went wrong. Please try again.');
    expect(await input(v).inputValue()).toBe('dropped@example.com');
    expect(await submit(v).textContent()).toBe('Send me the guide');
    expect(v.scriptErrors).toEqual([]);
    await v.close();
  });
});
