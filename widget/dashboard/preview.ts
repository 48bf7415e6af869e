// <visitor-offers-preview>: the dashboard's Preview section. Lists what can be previewed (GET
// preview-links: the configured offers and the segments), and for the page path typed in, asks
// POST preview-links for a signed link and opens it in a new tab. Rendered in the dashboard's own
// shadow root (no shadow root of its own), so the dashboard's styles apply.
//
// @prop url    absolute URL of the router's preview-links route
// @prop token  the admin token, or null on the open dashboard
import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { kindLabel } from './format';
import type { PreviewLinkResponse, PreviewTargets } from './types';

const TIMEOUT_MS = 10_000;

type Outcome = { kind: 'link'; link: PreviewLinkResponse; href: string; what: string } | { kind: 'error'; message: string };

export class VisitorOffersPreview extends LitElement {
  static override properties = {
    url: {},
    token: {},
    _targets: { state: true },
    _outcome: { state: true },
    _busy: { state: true },
  };

  declare url: string;
  declare token: string | null;
  declare private _targets: PreviewTargets | null;
  declare private _outcome: Outcome | null;
  declare private _busy: boolean;

  constructor() {
    super();
    this.url = '';
    this.token = null;
    this._targets = this._outcome = null;
    this._busy = false;
  }

  protected override createRenderRoot(): HTMLElement {
    return this;
  }

  protected override willUpdate(changed: PropertyValues): void {
    if (changed.has('url') || changed.has('token')) void this._load();
  }

  private async _call(init: RequestInit): Promise<{ status: number; body: unknown }> {
    const headers: Record<string, string> = { accept: 'application/json', 'content-type': 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const res = await fetch(this.url, { ...init, headers, cache: 'no-store', credentials: 'same-origin', signal: AbortSignal.timeout(TIMEOUT_MS) });
    return { status: res.status, body: await res.json().catch(() => null) };
  }

  private async _load(): Promise<void> {
    if (!this.url) return;
    try {
      const { status, body } = await this._call({ method: 'GET' });
      this._targets = status === 200 && isTargets(body) ? body : null;
    } catch {
      this._targets = null; // the section stays hidden; the dashboard says when the server is unreachable
    }
  }

  private async _open(target: string, what: string): Promise<void> {
    if (this._busy) return;
    const input = this.querySelector<HTMLInputElement>('#preview-path');
    const path = input?.value.trim() || '/';
    this._busy = true;
    try {
      const { status, body } = await this._call({ method: 'POST', body: JSON.stringify({ target, path }) });
      const error = (body as { error?: unknown } | null)?.error;
      if (status === 201 && isLink(body)) {
        // The link is a path on this site: the dashboard is served from it.
        const href = new URL(body.url, location.origin).href;
        this._outcome = { kind: 'link', link: body, href, what };
        window.open(href, '_blank', 'noopener');
      } else {
        this._outcome = { kind: 'error', message: typeof error === 'string' ? error : `the server answered HTTP ${status}` };
      }
    } catch {
      this._outcome = { kind: 'error', message: 'the server could not be reached' };
    } finally {
      this._busy = false;
    }
  }

  override render(): TemplateResult | typeof nothing {
    const t = this._targets;
    if (t === null) return nothing;
    const button = (target: string, what: string): TemplateResult =>
      html`<button type="button" class="button" aria-label=${`Preview ${what}`} ?disabled=${this._busy} @click=${() => void this._open(target, what)}>Preview</button>`;
    return html`
      <section class="panel" aria-labelledby="preview-title">
        <h2 id="preview-title">Preview</h2>
        <p class="note">
          See an offer on your site before visitors do: the link opens the page in a new tab with the offer shown, for
          ${t.defaultMinutes} minutes, whoever opens it. A preview sends no events, counts in no experiment, claims no
          single-use code (a pooled coupon shows a placeholder) and is not remembered as seen or dismissed.
        </p>
        <div class="preview-path">
          <label for="preview-path">Page path</label>
          <input id="preview-path" name="path" value="/" spellcheck="false" autocomplete="off" placeholder="/pricing" />
        </div>
        <div class="scroll" role="region" aria-labelledby="preview-title" tabindex="0">
          <table class="preview-targets">
            <caption class="sr-only">Offers and segments to preview</caption>
            <thead>
              <tr><th scope="col">Offer or segment</th><th scope="col">Shows</th><th scope="col"><span class="sr-only">Action</span></th></tr>
            </thead>
            <tbody>
              ${t.offers.map(
                (o) => html`<tr>
                  <th scope="row"><span class="pill kind-${o.kind}">${kindLabel(o.kind)}</span><span class="offer-id">${o.id}</span></th>
                  <td>${o.headline}</td>
                  <td class="num">${button(o.id, `offer ${o.id}`)}</td>
                </tr>`,
              )}
              ${t.segments.map(
                (s) => html`<tr>
                  <th scope="row"><span class="pill seg-${s}">${s}</span></th>
                  <td class="muted">what the ${s} segment would get on this page</td>
                  <td class="num">${button(`segment:${s}`, `segment ${s}`)}</td>
                </tr>`,
              )}
            </tbody>
          </table>
        </div>
        <div role="status" class="preview-outcome">${this._renderOutcome()}</div>
      </section>
    `;
  }

  private _renderOutcome(): TemplateResult | typeof nothing {
    const o = this._outcome;
    if (o === null) return nothing;
    if (o.kind === 'error') return html`<p class="field-error">Could not make a preview link: ${o.message}.</p>`;
    const until = new Date(o.link.expiresAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    return html`<p>
      Preview of ${o.what} opened in a new tab, valid until ${until}:
      <a href=${o.href} target="_blank" rel="noopener">open it again</a>.
    </p>`;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

function isTargets(v: unknown): v is PreviewTargets {
  return isObject(v) && Array.isArray(v.offers) && Array.isArray(v.segments) && typeof v.defaultMinutes === 'number';
}

function isLink(v: unknown): v is PreviewLinkResponse {
  return isObject(v) && typeof v.url === 'string' && v.url.startsWith('/') && typeof v.expiresAt === 'string';
}
