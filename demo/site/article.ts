// The blog post: a long article, so the lead magnet's scroll trigger (a modal once the reader is
// 40 % in, from demo/offers.demo.json) has room to fire mid-read.
import { SITE_PATHS } from './paths';

export const ARTICLE_TITLE = 'The 7 SaaS metrics that matter before $1M ARR (and 5 you can ignore)';

const METRICS: ReadonlyArray<[string, string, string]> = [
  [
    'Monthly recurring revenue, split four ways',
    'A single MRR number hides the story. Split it into new, expansion, contraction and churned MRR every month, and the question "are we growing?" becomes "where does growth come from, and where does it leak?" Most teams under $1M ARR find that expansion is close to zero, which is a pricing problem, not a sales problem.',
    'Track it weekly, report it monthly. A week-over-week view catches a broken checkout within days; the monthly view is what you show your board.',
  ],
  [
    'Net revenue retention',
    'Net revenue retention (NRR) asks what a cohort of customers pays you a year later, upgrades and downgrades included. Above 100% means your existing customers grow your revenue even if you stop selling. Small SaaS companies typically land between 85% and 105%; each point above that compounds for years.',
    'Compute it per cohort, not as a blended average: a great year-old cohort can hide a terrible new one.',
  ],
  [
    'Trial-to-paid conversion',
    'The share of trials that become paying customers is the most honest measure of whether your product delivers on the landing page\'s promise. B2B tools with a no-card trial usually convert 8 to 15%; with a card up front, 40 to 60% of a much smaller number.',
    'Split it by acquisition source. A channel that brings many trials and few customers is costing you support time, not earning revenue.',
  ],
  [
    'Activation rate',
    'Pick the one action that predicts a customer sticking around (for us, it is sharing a dashboard with a teammate) and measure how many new sign-ups reach it within seven days. Activation moves before revenue does, so it is your earliest warning and your fastest feedback loop.',
    'If you cannot name your activation event, look at your retained customers\' first week and find what they all did.',
  ],
  [
    'Logo churn and revenue churn',
    'Count both. Losing ten $19 customers and one $129 customer are very different months, and only the pair tells you whether you are losing the wrong customers or just small ones. Involuntary churn (failed payments) often makes up a third of the total and is the easiest to fix.',
    'Turn on card-updater and dunning emails before you build anything else; it is the cheapest revenue you will ever recover.',
  ],
  [
    'CAC payback period',
    'How many months of gross margin does it take to earn back what you spent acquiring a customer? Under twelve months is healthy for a bootstrapped company; beyond eighteen, growth starts to eat your runway.',
    'Include the founders\' time in your acquisition cost, at least roughly. Free channels are rarely free.',
  ],
  [
    'Expansion revenue share',
    'The share of new MRR that comes from existing customers tells you whether your pricing grows with your customers. If it is under 10%, your plans are probably priced by features nobody outgrows rather than by a value metric that rises with usage.',
    'Good value metrics are things your customer wants more of: tracked customers, seats that actually log in, revenue processed.',
  ],
];

const IGNORE: readonly string[] = [
  '<strong>Total sign-ups.</strong> It rises when you post on social media and says nothing about the business.',
  '<strong>Page views and time on site.</strong> Useful for the blog team, irrelevant for the revenue meeting.',
  '<strong>Lifetime value before year two.</strong> With less than two years of data, LTV is a guess dressed up as a number.',
  '<strong>Daily active users,</strong> unless your product is meant to be used daily. A reporting tool opened weekly is doing its job.',
  '<strong>Blended conversion rate.</strong> Averaged over all channels it hides both your best and your worst source.',
];

export function articleMain(): string {
  const sections = METRICS.map(
    ([title, body, tip], i) => `<h2>${i + 1}. ${title}</h2>
<p>${body}</p>
<p class="tip"><strong>In practice:</strong> ${tip}</p>`,
  ).join('\n');
  return `<article class="article">
<header class="article-head wrap-narrow">
<p class="kicker"><a href="${SITE_PATHS.blogPost}">Blog</a> · Metrics</p>
<h1>${ARTICLE_TITLE}</h1>
<p class="lead">Early-stage SaaS teams drown in numbers. Here are the seven that decide whether the company works, how to read them, and the five popular ones you can safely stop checking.</p>
<p class="byline"><span class="avatar" aria-hidden="true">MO</span><span><strong>Maya Okafor</strong><span>Head of Growth at Launchkit · 9 min read</span></span></p>
</header>
<div class="article-body wrap-narrow">
<p>Every founder we talk to has the same problem: not too little data, but too much of it. Stripe shows one revenue number, the analytics tool another, the CRM a third, and the Monday meeting is spent arguing about which one is right. Meanwhile the metrics that actually predict whether the company will be alive in two years go unwatched.</p>
<p>We looked at the dashboards of 1,200 Launchkit customers under $1M in annual recurring revenue, and at which numbers the fastest-growing third of them checked every week. The list is short. Seven metrics, each with a clear definition and one action attached to it.</p>
<blockquote class="pull"><p>“If a metric does not change what you do on Monday morning, it belongs in an appendix, not on your dashboard.”</p></blockquote>
${sections}
<h2>The five you can ignore (for now)</h2>
<p>None of these are useless. They just do not change decisions at your stage, and every minute spent on them is a minute not spent on the seven above.</p>
<ul class="ignore">${IGNORE.map((i) => `<li>${i}</li>`).join('')}</ul>
<h2>Putting it on one screen</h2>
<p>The seven metrics fit on a single dashboard: MRR movements at the top, retention and churn in the middle, acquisition efficiency at the bottom. Review it every Monday for fifteen minutes, write down one decision, and check next week whether the number moved. That ritual, more than any tool, is what separated the fastest-growing teams in our data from the rest.</p>
<p>You can build this in a spreadsheet, and many teams start there. When the copy-pasting starts to take longer than the meeting itself, that is the moment to automate it.</p>
<aside class="article-cta"><h2>Build this dashboard in ten minutes</h2><p>Launchkit connects to Stripe and your product in a few clicks and fills in all seven metrics for you.</p><a class="btn btn-primary" href="${SITE_PATHS.pricing}">Start your free trial</a></aside>
</div>
</article>`;
}
