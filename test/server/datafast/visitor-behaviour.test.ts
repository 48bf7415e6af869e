// DataFast's mapper into the one visitor shape: parseVisitorResponse's record plus the behaviour
// a local score reads (pricing/checkout visits from visitedPages; no durations, no referrer).
import { describe, expect, it } from 'vitest';
import { decodeLookup, encodeLookup } from '../../../server/cache/visitor-codec';
import { parseDataFastVisitor, parseVisitorResponse } from '../../../server/datafast/visitor';

const ID = 'b971cbbf-7ce2-4925-902b-8f95a5fb3449';
const body = (activity: Record<string, unknown>) => ({ status: 'success', data: { visitorId: ID, activity: { visitCount: 2, pageViewCount: 4, ...activity } } });

describe('parseDataFastVisitor', () => {
  it('is parseVisitorResponse plus the behaviour read from visitedPages and currentUrl', () => {
    const b = body({ currentUrl: '/', visitedPages: [{ url: 'shop.example.com/', timestamp: 'x' }, { url: 'https://shop.example.com/pricing', timestamp: 'x' }] });
    expect(parseDataFastVisitor(b)).toEqual({
      ...parseVisitorResponse(b),
      behaviour: { avgSessionSeconds: null, visitedPricing: true, visitedCheckout: false, referrerHost: null },
    });
    expect(parseDataFastVisitor(body({ currentUrl: '/checkout' }))?.behaviour?.visitedCheckout).toBe(true);
  });

  it('skips junk page items and still parses; refuses what parseVisitorResponse refuses', () => {
    expect(parseDataFastVisitor(body({ visitedPages: [null, 3, 'x', { url: 7 }, { url: '/plans' }] }))?.behaviour?.visitedPricing).toBe(true);
    expect(parseDataFastVisitor({ status: 'success', data: {} })).toBeNull();
  });

  it('survives the shared cache codec, behaviour included', () => {
    const visitor = parseDataFastVisitor(body({ visitedPages: [{ url: '/pricing' }] }));
    if (!visitor) throw new Error('did not parse');
    expect(decodeLookup(encodeLookup({ kind: 'found', visitor }), ID)).toEqual({ kind: 'found', visitor });
  });
});
