// <visitor-offers-dashboard>: the operator's view of GET {endpoint}/dashboard/data. It refreshes
// itself every `refresh-seconds` while the tab is visible (and pauses while it is hidden), says how
// old its data is, keeps the last data on screen when a refresh fails (with a banner saying so),
// and asks for the admin token when the data answers 401 (kept in sessionStorage for this tab).
//
// @attr endpoint         base URL of the API (default: the directory dashboard.js was loaded from)
// @attr auth             open | token — `token` asks for the admin token before the first request
// @attr refresh-seconds  seconds between refreshes (default 5, at least 1)
import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { loadSnapshot } from './api';
import { secondsAgo } from './format';
import { couponsSection } from './coupons';
import { experimentsSection } from './experiments';
import { activitySection, summarySection, visitorsSection } from './sections';
import { styles } from './styles';
import type { DashboardSnapshot } from './types';

export const TOKEN_KEY = 'visitor-offers:admin-token';
const DEFAULT_REFRESH_S = 5;
const REQUEST_TIMEOUT_MS = 10_000;

/** The directory this module was loaded from: the router's mount path. */
const SCRIPT_DIR = ((): string => {
  try {
    return new URL('.', import.meta.url).href;
  } catch {
    return '/visitor-offers/';
  }
})();

/** sessionStorage, tolerating browsers that refuse it (then the token lives as long as the page). */
const storage = {
  get(): string | null {
    try {
      return sessionStorage.getItem(TOKEN_KEY);
    } catch {
      return null;
    }
  },
  set(token: string | null): void {
    try {
      if (token === null) sessionStorage.removeItem(TOKEN_KEY);
      else sessionStorage.setItem(TOKEN_KEY, token);
    } catch {
      // kept in memory only
    }
  },
};

type Phase = 'loading' | 'token' | 'ready' | 'disabled';

export class VisitorOffersDashboard extends LitElement {
  static override styles = styles;
  static override properties = {
    endpoint: {},
    auth: {},
    refreshSeconds: { type: Number, attribute: 'refresh-seconds' },
    _phase: { state: true },
    _data: { state: true },
    _error: { state: true },
    _tokenError: { state: true },
    _lastOkAt: { state: true },
    _now: { state: true },
    _hidden: { state: true },
  };

  declare endpoint: string | null;
  declare auth: string | null;
  declare refreshSeconds: number | null;
  declare private _phase: Phase;
  declare private _data: DashboardSnapshot | null;
  /** Why the last refresh failed; null after a good one. */
  declare private _error: string | null;
  declare private _tokenError: string | null;
  declare private _lastOkAt: number | null;
  declare private _now: number;
  declare private _hidden: boolean;

  private _busy = false;
  private _token: string | null = null;
  private _timer: ReturnType<typeof setTimeout> | undefined;
  private _ticker: ReturnType<typeof setInterval> | undefined;
  private _focusAfterRender: 'token' | 'title' | null = null;

  constructor() {
    super();
    this.endpoint = this.auth = this.refreshSeconds = null;
    this._phase = 'loading';
    this._data = this._error = this._tokenError = this._lastOkAt = null;
    this._now = Date.now();
    this._hidden = false;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this._token = storage.get();
    if (this.auth === 'token' && this._token === null) this._askForToken(null);
    document.addEventListener('visibilitychange', this._onVisibility);
    this._onVisibility();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    document.removeEventListener('visibilitychange', this._onVisibility);
    this._pause();
  }

  private get _dataUrl(): string {
    const base = (this.endpoint || SCRIPT_DIR).replace(/\/*$/, '/');
    return new URL('dashboard/data', new URL(base, location.href)).href;
  }

  private get _intervalMs(): number {
    const s = this.refreshSeconds;
    return (typeof s === 'number' && Number.isFinite(s) && s >= 1 ? s : DEFAULT_REFRESH_S) * 1000;
  }

  private readonly _onVisibility = (): void => {
    this._hidden = document.visibilityState === 'hidden';
    if (this._hidden) return this._pause();
    this._now = Date.now();
    clearInterval(this._ticker);
    this._ticker = setInterval(() => (this._now = Date.now()), 1000);
    if (this._phase !== 'token' && this._phase !== 'disabled') void this._refresh();
  };

  private _pause(): void {
    clearTimeout(this._timer);
    clearInterval(this._ticker);
    this._timer = this._ticker = undefined;
  }

  /** One request (never two at once); schedules the next while the tab is visible. */
  private async _refresh(): Promise<void> {
    clearTimeout(this._timer);
    this._timer = undefined;
    if (this._busy) return;
    this._busy = true;
    const sentToken = this._token;
    const result = await loadSnapshot(this._dataUrl, sentToken, REQUEST_TIMEOUT_MS);
    this._busy = false;
    if (!this.isConnected) return;
    switch (result.kind) {
      case 'ok':
        if (this._phase !== 'ready' && this.auth === 'token') this._focusAfterRender = 'title';
        this._data = result.data;
        this._error = null;
        this._lastOkAt = this._now = Date.now();
        this._phase = 'ready';
        break;
      case 'unauthorized':
        if (sentToken !== null) {
          storage.set(null);
          this._token = null;
        }
        this._askForToken(sentToken === null ? null : 'The server did not accept that token. Check ADMIN_TOKEN and try again.');
        return;
      case 'disabled':
        this._phase = 'disabled';
        return;
      case 'error':
        this._error = result.message;
        if (this._phase === 'loading' && this._data === null) this._phase = 'ready';
        break;
    }
    if (!this._hidden && this._phase === 'ready') this._timer = setTimeout(() => void this._refresh(), this._intervalMs);
  }

  private _askForToken(message: string | null): void {
    clearTimeout(this._timer);
    this._timer = undefined;
    this._phase = 'token';
    this._tokenError = message;
    this._focusAfterRender = 'token';
  }

  private readonly _onTokenSubmit = (e: SubmitEvent): void => {
    e.preventDefault();
    const input = (e.currentTarget as HTMLFormElement).elements.namedItem('token');
    const token = input instanceof HTMLInputElement ? input.value.trim() : '';
    if (token === '') {
      this._tokenError = 'Enter the admin token.';
      this._focusAfterRender = 'token';
      return;
    }
    this._token = token;
    storage.set(token);
    this._tokenError = null;
    this._phase = 'loading';
    void this._refresh();
  };

  private readonly _onForget = (): void => {
    storage.set(null);
    this._token = null;
    this._data = null;
    this._lastOkAt = null;
    this._error = null;
    this._askForToken(null);
  };

  private readonly _onRefreshNow = (): void => {
    if (!this._hidden) void this._refresh();
  };

  protected override updated(changed: PropertyValues): void {
    super.updated(changed);
    const target = this._focusAfterRender;
    if (target === null) return;
    this._focusAfterRender = null;
    const el = this.renderRoot.querySelector<HTMLElement>(target === 'token' ? '#token' : '#title');
    el?.focus();
  }

  override render(): TemplateResult {
    if (this._phase === 'token') return this._renderTokenForm();
    if (this._phase === 'disabled') {
      return html`<div class="center"><div class="login" role="alert">
        <h1>Dashboard not enabled</h1>
        <p>This server has no <code>ADMIN_TOKEN</code>. Set one to open the operator dashboard.</p>
      </div></div>`;
    }
    const d = this._data;
    return html`
      ${this._renderHeader()}
      <main>
        ${this._renderBanners()}
        ${d === null
          ? this._phase === 'loading'
            ? html`<p class="loading" role="status">Loading the dashboard…</p>`
            : nothing
          : html`${summarySection(d)}${visitorsSection(d)}${activitySection(d)}${experimentsSection(d)}${couponsSection(d)}
              <visitor-offers-preview .url=${new URL('../preview-links', this._dataUrl).href} .token=${this._token}></visitor-offers-preview>
              ${this._renderFooter(d)}`}
      </main>
    `;
  }

  private _renderHeader(): TemplateResult {
    const state = this._hidden ? 'paused' : this._error ? 'error' : this._lastOkAt === null ? 'waiting' : 'live';
    const label = { paused: 'Paused while this tab is hidden', error: 'Refresh failing', waiting: 'Connecting', live: 'Live' }[state];
    return html`
      <header class="top">
        <div class="brand">
          <span class="logo" aria-hidden="true">◆</span>
          <h1 id="title" tabindex="-1">visitor-offers <span class="subtitle">Operator dashboard</span></h1>
        </div>
        <div class="status">
          <span class="state state-${state}"><span class="dot" aria-hidden="true"></span>${label}</span>
          <span class="updated">${this._lastOkAt === null ? 'no data yet' : `Updated ${secondsAgo((this._now - this._lastOkAt) / 1000)}`}</span>
          <button type="button" class="button" @click=${this._onRefreshNow}>Refresh</button>
          ${this.auth === 'token' ? html`<button type="button" class="button quiet" @click=${this._onForget}>Forget token</button>` : nothing}
        </div>
      </header>
    `;
  }

  private _renderBanners(): TemplateResult {
    const d = this._data;
    const error = this._error;
    const realtime =
      d !== null && d.activeVisitors === null
        ? html`<div class="banner warn" role="status">
            ${d.provider === 'postmetric'
              ? 'PostMetric has no realtime map'
              : html`DataFast's realtime map is unavailable${d.realtimeProblem ? html` (<code>${d.realtimeProblem}</code>)` : nothing}`}: no active
            visitors, events or payments to show. Experiment results below are current.
          </div>`
        : nothing;
    return html`
      <div role="alert" class="alerts">${error === null
        ? nothing
        : html`<div class="banner error">
            <strong>Could not refresh:</strong> ${error}.
            ${this._lastOkAt === null
              ? 'Retrying.'
              : `Still showing the last data (updated ${secondsAgo((this._now - this._lastOkAt) / 1000)}); retrying every ${this._intervalMs / 1000} s.`}
          </div>`}</div>
      ${realtime}
    `;
  }

  private _renderFooter(d: DashboardSnapshot): TemplateResult {
    const generated = Date.parse(d.generatedAt);
    const realtime = d.realtimeAt === null ? NaN : Date.parse(d.realtimeAt);
    const lag = Number.isFinite(generated) && Number.isFinite(realtime) ? Math.max(0, Math.round((generated - realtime) / 1000)) : null;
    return html`
      <footer class="foot">
        <p>
          Analytics provider: <strong>${d.provider === 'postmetric' ? 'PostMetric' : 'DataFast'}</strong>.
          Refreshes every ${this._intervalMs / 1000} s while this tab is visible.
          ${lag === null ? nothing : html`DataFast's realtime map was fetched ${lag < 2 ? 'just now' : `${lag} s before this snapshot`} (at most every 5 s).`}
          Visitor ids are shortened; names, emails, cities and coordinates never reach this page.
        </p>
      </footer>
    `;
  }

  private _renderTokenForm(): TemplateResult {
    const errorId = 'token-error';
    return html`
      <div class="center">
        <form class="login" @submit=${this._onTokenSubmit} novalidate>
          <h1><span class="logo" aria-hidden="true">◆</span> Operator dashboard</h1>
          <p>Enter the <code>ADMIN_TOKEN</code> configured on this server. It is kept in this browser tab only (sessionStorage).</p>
          <label for="token">Admin token</label>
          <input
            id="token"
            name="token"
            type="password"
            autocomplete="current-password"
            spellcheck="false"
            required
            aria-invalid=${this._tokenError ? 'true' : 'false'}
            aria-describedby=${this._tokenError ? errorId : nothing}
          />
          ${this._tokenError ? html`<p id=${errorId} class="field-error" role="alert">${this._tokenError}</p>` : nothing}
          <button type="submit" class="button primary">Open dashboard</button>
        </form>
      </div>
    `;
  }
}
