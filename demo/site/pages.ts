// The <main> of the home and pricing pages (the blog post is in article.ts). Static copy for a
// made-up product; the only dynamic part is where offers appear: the home page leaves placement
// to the decision (a bar or a slide-in), pricing reserves an inline slot below the plans.
import { SITE_PATHS } from './paths';

const check = '<svg class="tick" viewBox="0 0 20 20" width="18" height="18" aria-hidden="true"><path d="M4 10.5l4 4 8-9" fill="none" stroke="currentColor" stroke-width="2.4" stroke-linecap="round" stroke-linejoin="round"/></svg>';

const icon = (d: string): string =>
  `<svg class="feature-icon" viewBox="0 0 24 24" width="24" height="24" aria-hidden="true"><path d="${d}" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/></svg>`;

const FEATURES: ReadonlyArray<[string, string, string]> = [
  ['M3 17l5-5 4 4 8-8M14 8h6v6', 'Revenue, live', 'MRR, churn, expansion and failed payments straight from Stripe or Paddle, updated every minute.'],
  ['M4 5h16l-6 7v6l-4 2v-8z', 'Funnels that explain themselves', 'See where trials stall, split by plan, source or country, without writing a single query.'],
  ['M9 3v6L4 19a1 1 0 001 1h14a1 1 0 001-1L15 9V3M8 3h8', 'Experiments, minus the statistician', 'Run pricing and onboarding tests; Launchkit tells you when a result is real.'],
  ['M6 8a6 6 0 0112 0c0 7 3 8 3 8H3s3-1 3-8M10 20a2 2 0 004 0', 'Alerts that matter', 'A Slack message when churn spikes or a big account stops logging in, never for noise.'],
  ['M10 14a4 4 0 005.7 0l3-3a4 4 0 00-5.7-5.7l-1 1M14 10a4 4 0 00-5.7 0l-3 3a4 4 0 005.7 5.7l1-1', 'Share in one link', 'Board updates and investor reports are a read-only link, always up to date.'],
  ['M12 3l8 3v6c0 5-3.5 8-8 9-4.5-1-8-4-8-9V6z', 'Private by default', 'EU hosting, no cookies on your customers, and a data processing agreement out of the box.'],
];

const TESTIMONIALS: ReadonlyArray<[string, string, string, string]> = [
  ['We killed four spreadsheets and a Monday meeting. Everyone just opens the MRR board now.', 'Priya Raman', 'Founder, Tallyroom', 'PR'],
  ['The experiment view told us our annual discount was too small. One change, 18% more yearly plans.', 'Tom Becker', 'Head of Growth, Pagewell', 'TB'],
  ['Set up during a coffee break. It found a failed-payment leak worth $1,400 a month on day one.', 'Lucía Fernández', 'CEO, Orbitly', 'LF'],
];

export function homeMain(): string {
  const features = FEATURES.map(([d, title, text]) => `<li class="feature">${icon(d)}<h3>${title}</h3><p>${text}</p></li>`).join('\n');
  const quotes = TESTIMONIALS.map(
    ([quote, name, role, initials]) =>
      `<figure class="quote"><blockquote><p>“${quote}”</p></blockquote><figcaption><span class="avatar" aria-hidden="true">${initials}</span><span><strong>${name}</strong><span>${role}</span></span></figcaption></figure>`,
  ).join('\n');
  return `<section class="hero">
<div class="wrap hero-grid">
<div class="hero-copy">
<a class="eyebrow" href="${SITE_PATHS.blogPost}"><span>New</span> The 7 metrics that matter before $1M ARR →</a>
<h1>Dashboards your whole team actually reads</h1>
<p class="lead">Launchkit turns Stripe, product and marketing data into live dashboards for MRR, churn and activation. Ten minutes to set up. No SQL, no data team.</p>
<p class="hero-actions"><a class="btn btn-primary" href="${SITE_PATHS.pricing}">Start your free trial</a><a class="btn btn-ghost" href="${SITE_PATHS.pricing}">See pricing</a></p>
<p class="hero-fine">14 days free · No credit card · Cancel in two clicks</p>
</div>
<div class="hero-shot"><img src="/demo/dashboard.svg" width="640" height="440" alt="A Launchkit dashboard: monthly recurring revenue rising to $48,210, churn at 2.1%, and a trial-to-paid funnel."></div>
</div>
</section>
<section class="logos" aria-label="Customers">
<div class="wrap"><p>Trusted by 1,200+ small SaaS teams</p><ul><li>Tallyroom</li><li>Pagewell</li><li>Orbitly</li><li>Northwind</li><li>Cobalt&nbsp;HQ</li><li>Shipyard</li></ul></div>
</section>
<section class="section" id="features">
<div class="wrap">
<p class="kicker">Product</p>
<h2 class="section-title">Everything a small team needs to grow, nothing it doesn't</h2>
<ul class="features">
${features}
</ul>
</div>
</section>
<section class="stats" aria-label="Launchkit in numbers">
<div class="wrap stats-row"><p><strong>10 min</strong>to your first dashboard</p><p><strong>6 h</strong>saved per week, on average</p><p><strong>99.95%</strong>uptime over the last year</p></div>
</section>
<section class="section section-tint" id="customers">
<div class="wrap">
<p class="kicker">Customers</p>
<h2 class="section-title">Small teams, clearer numbers</h2>
<div class="quotes">
${quotes}
</div>
</div>
</section>
<section class="cta-band">
<div class="wrap cta-row"><h2>Your metrics, finally in one place</h2><a class="btn btn-light" href="${SITE_PATHS.pricing}">Start your free trial</a></div>
</section>`;
}

interface Plan {
  name: string;
  price: number;
  blurb: string;
  features: string[];
  popular?: boolean;
}

const PLANS: readonly Plan[] = [
  { name: 'Starter', price: 19, blurb: 'For founders tracking their first revenue.', features: ['3 dashboards', '2 data sources', 'Up to 1,000 customers', 'Weekly email digest', 'Email support'] },
  {
    name: 'Growth',
    price: 49,
    blurb: 'For teams that run on their numbers.',
    features: ['Unlimited dashboards', '10 data sources', 'Funnels and experiments', 'Slack alerts', 'Up to 10,000 customers'],
    popular: true,
  },
  { name: 'Scale', price: 129, blurb: 'For companies with more people asking.', features: ['Everything in Growth', 'SSO and custom roles', 'Up to 100,000 customers', 'Warehouse export', 'Priority support'] },
];

const FAQ: ReadonlyArray<[string, string]> = [
  ['What happens after the trial?', 'Nothing, unless you pick a plan. We never ask for a card up front, and your dashboards stay readable for 30 days.'],
  ['Can I switch plans later?', 'Any time, in two clicks. Upgrades apply at once; downgrades at the end of the billing period.'],
  ['Where is my data stored?', 'In Frankfurt, encrypted at rest. We sign a data processing agreement with every customer.'],
  ['Do you offer discounts?', 'Yearly billing saves two months, and early-stage startups get 50% off their first year.'],
];

export function pricingMain(): string {
  const plans = PLANS.map((p) => {
    const items = p.features.map((f) => `<li>${check}${f}</li>`).join('');
    return `<li class="plan${p.popular ? ' plan-popular' : ''}">${p.popular ? '<p class="plan-flag">Most popular</p>' : ''}<h2>${p.name}</h2><p class="plan-blurb">${p.blurb}</p>
<p class="plan-price"><strong>$${p.price}</strong><span>/ month</span></p>
<a class="btn ${p.popular ? 'btn-primary' : 'btn-outline'} btn-block" href="${SITE_PATHS.pricing}">Start free trial</a>
<ul class="plan-features">${items}</ul></li>`;
  }).join('\n');
  const faq = FAQ.map(([q, a]) => `<div><dt>${q}</dt><dd>${a}</dd></div>`).join('\n');
  return `<section class="page-head">
<div class="wrap"><p class="kicker">Pricing</p><h1>Simple pricing that grows with you</h1><p class="lead">Every plan starts with a 14-day free trial. Pay yearly and get two months free.</p></div>
</section>
<section class="wrap">
<ul class="plans">
${plans}
</ul>
</section>
<section class="wrap offer-band" aria-labelledby="deciding">
<div class="offer-band-copy">
<h2 id="deciding">Still deciding?</h2>
<p>Talk to a founder: we answer within the hour on weekdays. Or start on Growth and switch later, it takes two clicks.</p>
<ul class="checks"><li>${check}14-day free trial on every plan</li><li>${check}Switch or cancel at any time</li><li>${check}Your data stays in the EU</li></ul>
</div>
<visitor-offer placement="inline"></visitor-offer>
</section>
<section class="wrap faq" aria-labelledby="faq">
<h2 id="faq" class="section-title">Questions, answered</h2>
<dl>
${faq}
</dl>
</section>`;
}
