// The demo panel's behaviour (not part of the widget): the one-line "why" for this page from one
// extra GET /visitor-offers/offer, and small conveniences: switching persona or "Forget closed
// offers" clears the widget's memory of dismissed and capped offers, Escape or a click outside
// closes the list.
const panel = document.querySelector('[data-demo-panel]');
const WIDGET_MEMORY = 'visitor-offers'; // the widget's localStorage key (widget/memory.ts)

function forget() {
  try {
    localStorage.removeItem(WIDGET_MEMORY);
  } catch {
    // storage blocked: nothing was remembered
  }
}

function el(tag, text, cls) {
  const e = document.createElement(tag);
  e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

/** The placement the offer gets on this page: the page's own element may pin it (pricing: inline). */
function placementHere(offer) {
  const pinned = document.querySelector('visitor-offer[placement]');
  return (pinned && pinned.getAttribute('placement')) || offer.placement;
}

function describe(d) {
  const parts = [];
  const item = (label, value, cls) => {
    const span = el('span', '', 'demo-why-item');
    span.append(el('b', label), ' ', el(cls === 'code' ? 'code' : 'span', value));
    parts.push(span);
  };
  item('segment', d.segment);
  if (d.experiment) item('experiment', `${d.experiment.id} → ${d.experiment.variant}`);
  if (d.offer) item('offer', `${d.offer.id} (${d.offer.kind.replace('_', ' ')}, ${placementHere(d.offer)})`);
  else item('offer', d.experiment ? 'none (control)' : 'none');
  item('reason', d.reason, 'code');
  return parts;
}

if (panel) {
  const why = panel.querySelector('[data-why]');
  const text = panel.querySelector('[data-why-text]');
  const menu = panel.querySelector('details');
  const page = location.pathname + location.search;
  const referrer = document.referrer;
  const url = `/visitor-offers/offer?path=${encodeURIComponent(page)}${referrer ? `&referrer=${encodeURIComponent(referrer)}` : ''}`;

  fetch(url, { credentials: 'same-origin' })
    .then((res) => res.json())
    .then((d) => {
      Object.assign(why.dataset, {
        segment: d.segment,
        offer: d.offer ? d.offer.id : '',
        kind: d.offer ? d.offer.kind : '',
        experiment: d.experiment ? d.experiment.id : '',
        variant: d.experiment ? d.experiment.variant : '',
        reason: d.reason,
        ready: 'true',
      });
      const parts = describe(d);
      text.replaceChildren(...parts.flatMap((p, i) => (i ? [' · ', p] : [p])));
      text.title = text.textContent;
    })
    .catch(() => {
      text.textContent = 'the proxy did not answer';
      why.dataset.ready = 'error';
    });

  for (const a of panel.querySelectorAll('a[data-persona]')) a.addEventListener('click', forget);
  panel.querySelector('[data-forget]')?.addEventListener('click', () => {
    forget();
    location.reload();
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && menu.open) {
      menu.open = false;
      menu.querySelector('summary').focus();
    }
  });
  document.addEventListener('click', (e) => {
    if (menu.open && !panel.contains(e.target)) menu.open = false;
  });
}
