// GET /offer and the widget's words: an English page gets no `strings` (the widget carries
// English), a page in a shipped language gets that language's table, an offer's own `strings`
// win in every language, and an `image` on the site's own origin travels with the offer.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { personas } from '../../../demo/personas';
import { SIMULATED_DATAFAST_DEFAULTS as SIM } from '../../../demo/simulated-datafast';
import type { VisitorOffersOptions } from '../../../server/config/options-types';
import type { Offer } from '../../../server/decision/offer';
import { mountRouter, type MountedRouter } from '../../support/mounted-router';
import { useRouteSuite } from '../../support/route-suite';

const suite = useRouteSuite('strings');
const LOW = personas.low.visitorId;

const coupon = (fields: Partial<Offer> = {}): Offer =>
  ({ id: 'c', kind: 'coupon', placement: 'slide-in', trigger: { type: 'immediate' }, headline: 'H', body: 'B', code: 'X1', codePool: null, discountLabel: '10%', expiresInMinutes: null, ...fields }) as Offer;

async function mount(offer: Offer, lang?: Record<string, Record<string, string>>): Promise<MountedRouter> {
  const options: VisitorOffersOptions = {
    datafast: { apiKey: SIM.apiKey, apiUrl: suite.sim.url, timeoutMs: 400 },
    decisions: { offers: [offer], rules: [{ id: 'everyone', when: {}, then: { offer: offer.id } }], ...(lang ? { lang } : {}) },
    dataDir: suite.baseDir,
    logger: suite.log.logger,
  };
  const m = await mountRouter(options);
  suite.track(m);
  return m;
}

const get = (m: MountedRouter, lang?: string) =>
  request(m.server)
    .get('/visitor-offers/offer')
    .query({ path: '/', ...(lang === undefined ? {} : { lang }) })
    .set('Cookie', `datafast_visitor_id=${LOW}`);

describe('the widget’s words in the offer answer', () => {
  it('English, no language or a malformed one: no strings at all (the widget has them)', async () => {
    const m = await mount(coupon());
    for (const lang of [undefined, 'en', 'en-GB', 'x'.repeat(40), 'fr"><script>']) {
      const res = await get(m, lang);
      expect(res.body.offer, String(lang)).toMatchObject({ id: 'c' });
      expect(res.body.offer, String(lang)).not.toHaveProperty('strings');
    }
  });

  it('a French page (fr, fr-CA, FR) gets the French table', async () => {
    const m = await mount(coupon());
    for (const lang of ['fr', 'fr-CA', 'FR']) {
      const strings = (await get(m, lang)).body.offer.strings;
      expect(strings, lang).toMatchObject({ copyCode: 'Copier le code', close: 'Fermer', copied: 'Copié' });
    }
  });

  it('an unknown language falls back to English', async () => {
    const m = await mount(coupon());
    expect((await get(m, 'de-AT')).body.offer).not.toHaveProperty('strings');
  });

  it('the offer’s own strings win over the language table, in every language', async () => {
    const m = await mount(coupon({ strings: { copyCode: 'Grab it' } }));
    expect((await get(m)).body.offer.strings).toEqual({ copyCode: 'Grab it' });
    const fr = (await get(m, 'fr')).body.offer.strings;
    expect(fr).toMatchObject({ copyCode: 'Grab it', close: 'Fermer' });
  });

  it('the offers file’s own `lang` table: a new language, and a shipped one changed key by key', async () => {
    const m = await mount(coupon(), { de: { copyCode: 'Code kopieren', close: 'Schließen' }, FR: { close: 'Fermer l’offre' } });
    expect((await get(m, 'de-CH')).body.offer.strings).toEqual({ copyCode: 'Code kopieren', close: 'Schließen' });
    expect((await get(m, 'fr')).body.offer.strings).toMatchObject({ close: 'Fermer l’offre', copyCode: 'Copier le code' });
    expect((await get(m)).body.offer).not.toHaveProperty('strings');
  });

  it('an image path travels with the offer', async () => {
    const m = await mount(coupon({ image: '/img/tag.png' }));
    expect((await get(m)).body.offer.image).toBe('/img/tag.png');
  });
});
