// Fetches the decision for the current cookie and shows it, as the widget will.
const pathSelect = document.getElementById('path');
const pre = document.getElementById('decision');
const card = document.getElementById('offer');

function text(tag, value, cls) {
  const el = document.createElement(tag);
  el.textContent = value;
  if (cls) el.className = cls;
  return el;
}

function describeTrigger(t) {
  if (!t) return '';
  if (t.type === 'delay') return `after ${t.seconds} s`;
  if (t.type === 'scroll') return `after ${t.percent} % scrolled`;
  if (t.type === 'exit-intent') return 'on exit intent';
  return 'immediately';
}

async function show() {
  pre.textContent = 'loading…';
  try {
    const res = await fetch(`/visitor-offers/offer?path=${encodeURIComponent(pathSelect.value)}`, { credentials: 'same-origin' });
    const decision = await res.json();
    pre.textContent = JSON.stringify(decision, null, 2);
    card.replaceChildren();
    card.hidden = !decision.offer;
    if (decision.offer) {
      const o = decision.offer;
      card.dataset.kind = o.kind;
      card.append(text('p', `${o.kind.replace('_', ' ')} · ${o.placement} · ${describeTrigger(o.trigger)}`, 'meta'));
      card.append(text('h3', o.headline));
      card.append(text('p', o.body));
      if (o.kind === 'coupon') card.append(text('p', `${o.discountLabel}: ${o.code}`, 'code'));
      if (o.kind === 'lead_magnet') card.append(text('p', `${o.assetName} → “${o.buttonLabel}”`, 'code'));
    }
  } catch (err) {
    pre.textContent = `The proxy did not answer: ${err}`;
  }
}

pathSelect.addEventListener('change', show);
document.getElementById('forget').addEventListener('click', () => {
  try {
    localStorage.removeItem('visitor-offers'); // the widget's memory of dismissals and views
  } catch {
    // storage blocked: nothing was remembered
  }
  location.reload();
});
show();
