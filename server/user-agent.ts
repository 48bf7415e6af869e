// Recognises self-declared crawlers before any upstream call: they would get DataFast's 400 anyway,
// and skipping them saves the site owner's API quota. Real browsers, headless ones included, pass.
// `(?<!cu)`: CUBOT is a phone brand, not a crawler.
const CRAWLER = /(?<!cu)bot\b|bot\/|crawler|spider|slurp|facebookexternalhit|bingpreview|lighthouse|pingdom|uptimerobot/i;

export function looksLikeCrawler(userAgent: string | undefined): boolean {
  return userAgent !== undefined && CRAWLER.test(userAgent);
}
