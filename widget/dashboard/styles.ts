// The dashboard's look: system font, quiet surfaces, coloured pills for segments and offer kinds,
// a light and a dark scheme. Constructable stylesheets (Lit's static styles), so a strict CSP
// without 'unsafe-inline' applies.
import { css } from 'lit';

export const styles = css`
  :host {
    --bg: #f5f6f8;
    --surface: #ffffff;
    --text: #1b2130;
    --muted: #586174;
    --border: #e2e5eb;
    --head: #f8f9fb;
    --accent: #4338ca;
    --accent-text: #ffffff;
    --focus: #2563eb;
    --ok: #15803d;
    --bad: #b91c1c;
    --warn-bg: #fffbeb;
    --warn-border: #f59e0b;
    --warn-text: #7c2d12;
    --error-bg: #fef2f2;
    --error-border: #f87171;
    --error-text: #7f1d1d;
    --seg-low-bg: #fef3c7;
    --seg-low: #8a4b08;
    --seg-average-bg: #e5e7eb;
    --seg-average: #374151;
    --seg-high-bg: #dcfce7;
    --seg-high: #166534;
    --seg-customer-bg: #dbeafe;
    --seg-customer: #1e40af;
    --seg-unknown-bg: #f3f4f6;
    --seg-unknown: #4b5563;
    --kind-coupon-bg: #ede9fe;
    --kind-coupon: #5b21b6;
    --kind-urgency-bg: #ffe4e6;
    --kind-urgency: #9f1239;
    --kind-lead-bg: #ccfbf1;
    --kind-lead: #115e59;

    display: block;
    min-height: 100vh;
    box-sizing: border-box;
    background: var(--bg);
    color: var(--text);
    font: 14px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif;
    -webkit-font-smoothing: antialiased;
  }

  @media (prefers-color-scheme: dark) {
    :host {
      --bg: #0f131a;
      --surface: #171c25;
      --text: #e6e9ef;
      --muted: #9aa3b5;
      --border: #2a3140;
      --head: #1c222d;
      --accent: #818cf8;
      --accent-text: #0f131a;
      --focus: #93c5fd;
      --ok: #4ade80;
      --bad: #f87171;
      --warn-bg: #2a2110;
      --warn-border: #d97706;
      --warn-text: #fde68a;
      --error-bg: #2b1416;
      --error-border: #ef4444;
      --error-text: #fecaca;
      --seg-low-bg: #3a2a0b;
      --seg-low: #fcd34d;
      --seg-average-bg: #2a303b;
      --seg-average: #d1d5db;
      --seg-high-bg: #10311d;
      --seg-high: #86efac;
      --seg-customer-bg: #132845;
      --seg-customer: #93c5fd;
      --seg-unknown-bg: #242a34;
      --seg-unknown: #aab2c0;
      --kind-coupon-bg: #2a1f4a;
      --kind-coupon: #c4b5fd;
      --kind-urgency-bg: #3a1520;
      --kind-urgency: #fda4af;
      --kind-lead-bg: #0f3330;
      --kind-lead: #5eead4;
    }
  }

  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }

  h1,
  h2,
  p {
    margin: 0;
  }

  code {
    font: 12.5px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, 'Liberation Mono', monospace;
  }

  :focus-visible {
    outline: 3px solid var(--focus);
    outline-offset: 2px;
    border-radius: 4px;
  }
  /* Keyboard focus scrolled into view is not hidden under the sticky header. */
  [tabindex],
  button,
  input {
    scroll-margin-top: 84px;
  }

  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    padding: 0;
    margin: -1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
    border: 0;
  }

  .muted {
    color: var(--muted);
  }

  /* Header */
  .top {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    justify-content: space-between;
    gap: 12px 24px;
    padding: 14px 32px;
    background: var(--surface);
    border-bottom: 1px solid var(--border);
    position: sticky;
    top: 0;
    z-index: 2;
  }
  .brand {
    display: flex;
    align-items: center;
    gap: 10px;
  }
  .logo {
    color: var(--accent);
    font-size: 20px;
    line-height: 1;
  }
  h1 {
    font-size: 17px;
    font-weight: 650;
    letter-spacing: -0.01em;
  }
  h1:focus {
    outline: none;
  }
  .subtitle {
    font-weight: 450;
    color: var(--muted);
    margin-left: 6px;
  }
  .status {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 8px 14px;
    color: var(--muted);
    font-size: 13px;
  }
  .state {
    display: inline-flex;
    align-items: center;
    gap: 6px;
    font-weight: 600;
  }
  .dot {
    width: 8px;
    height: 8px;
    border-radius: 50%;
    background: currentColor;
  }
  .state-live {
    color: var(--ok);
  }
  .state-live .dot {
    box-shadow: 0 0 0 3px color-mix(in srgb, var(--ok) 20%, transparent);
  }
  .state-error {
    color: var(--bad);
  }
  .state-paused,
  .state-waiting {
    color: var(--muted);
  }
  .updated {
    font-variant-numeric: tabular-nums;
  }

  .button {
    font: inherit;
    font-size: 13px;
    font-weight: 550;
    color: var(--text);
    background: var(--surface);
    border: 1px solid var(--border);
    border-radius: 8px;
    padding: 6px 12px;
    cursor: pointer;
  }
  .button:hover {
    border-color: var(--muted);
  }
  .button.quiet {
    border-color: transparent;
    color: var(--muted);
  }
  .button.quiet:hover {
    color: var(--text);
  }
  .button.primary {
    background: var(--accent);
    border-color: var(--accent);
    color: var(--accent-text);
    padding: 9px 16px;
    font-size: 14px;
  }

  /* Layout */
  main {
    max-width: 1320px;
    margin: 0 auto;
    padding: 24px 32px 40px;
    display: grid;
    grid-template-columns: minmax(0, 1fr);
    gap: 20px;
  }
  .alerts:empty {
    display: none;
  }
  .banner {
    border: 1px solid;
    border-left-width: 4px;
    border-radius: 8px;
    padding: 10px 14px;
  }
  .banner.error {
    background: var(--error-bg);
    border-color: var(--error-border);
    color: var(--error-text);
  }
  .banner.warn,
  .warning {
    background: var(--warn-bg);
    border: 1px solid var(--warn-border);
    border-left-width: 4px;
    border-radius: 8px;
    color: var(--warn-text);
    padding: 10px 14px;
  }
  .loading,
  .empty {
    color: var(--muted);
    padding: 8px 0;
  }

  /* Summary cards */
  .cards {
    display: grid;
    grid-template-columns: repeat(4, minmax(0, 1fr));
    gap: 16px;
  }
  .card {
    background: var(--surface);
    border: 1px solid var(--border);
    border-radius: 12px;
    padding: 14px 18px;
    display: grid;
    align-content: start;
    gap: 4px;
  }
  .card-label {
    color: var(--muted);
    font-size: 12px;
    font-weight: 600;
    text-transform: uppercase;
    letter-spacing: 0.05em;
  }
  .card-value {
    font-size: 26px;
    font-weight: 650;
    letter-spacing: -0.02em;
    font-variant-numeric: tabular-nums;
  }
  .card-of {
    font-size: 16px;
    font-weight: 500;
    color: var(--muted);
  }
  .card-sub {
    color: var(--muted);
    font-size: 13px;
  }
  .segments {
    list-style: none;
    margin: 4px 0 0;
    padding: 0;
    display: flex;
    flex-wrap: wrap;
    gap: 6px 12px;
  }
  .segments li {
    display: inline-flex;
    align-items: center;
    gap: 5px;
  }
  .seg-count {
    font-weight: 650;
    font-variant-numeric: tabular-nums;
  }

  /* Panels */
  .panel {
    background: var(--surface);
    border: 1px solid var(--border);
    border-radius: 12px;
    padding: 18px 20px;
    display: grid;
    grid-template-columns: minmax(0, 1fr);
    align-content: start;
    gap: 12px;
    min-width: 0;
  }
  .panel-head {
    display: flex;
    align-items: center;
    gap: 10px;
  }
  h2 {
    font-size: 15px;
    font-weight: 650;
  }
  .badge {
    font-size: 12px;
    font-weight: 600;
    color: var(--muted);
    background: var(--head);
    border: 1px solid var(--border);
    border-radius: 999px;
    padding: 0 8px;
    font-variant-numeric: tabular-nums;
  }
  .note {
    color: var(--muted);
    font-size: 13px;
    max-width: 110ch;
  }
  .columns {
    display: grid;
    grid-template-columns: minmax(0, 3fr) minmax(0, 2fr);
    gap: 20px;
  }

  /* Tables */
  .scroll {
    /* Contains the visually hidden texts (position: absolute) of its cells, or they widen the page. */
    position: relative;
    overflow-x: auto;
    border: 1px solid var(--border);
    border-radius: 8px;
  }
  table {
    width: 100%;
    border-collapse: collapse;
    font-variant-numeric: tabular-nums;
  }
  caption {
    caption-side: top;
    text-align: left;
    padding: 10px 12px;
    border-bottom: 1px solid var(--border);
  }
  .caption {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 8px;
  }
  .exp-id {
    font-weight: 650;
  }
  th,
  td {
    text-align: left;
    padding: 9px 8px;
    vertical-align: top;
  }
  th:first-child,
  td:first-child {
    padding-left: 12px;
  }
  th:last-child,
  td:last-child {
    padding-right: 12px;
  }
  .results .offer-id {
    white-space: nowrap;
  }
  thead th {
    background: var(--head);
    color: var(--muted);
    font-size: 11.5px;
    font-weight: 650;
    text-transform: uppercase;
    letter-spacing: 0.05em;
    white-space: nowrap;
    border-bottom: 1px solid var(--border);
  }
  tbody tr + tr > * {
    border-top: 1px solid var(--border);
  }
  tbody th {
    font-weight: 600;
  }
  tbody tr:hover > * {
    background: color-mix(in srgb, var(--head) 70%, transparent);
  }
  .num {
    text-align: right;
    white-space: nowrap;
  }
  .nowrap {
    white-space: nowrap;
  }
  .sub {
    display: block;
    color: var(--muted);
    font-size: 12.5px;
    margin-top: 2px;
    white-space: nowrap;
  }
  .sub.wrap {
    white-space: normal;
    min-width: 12em;
  }
  .cap {
    text-transform: capitalize;
  }
  .page {
    display: inline-block;
    max-width: 21ch;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
    vertical-align: bottom;
  }
  .rule {
    color: var(--muted);
    white-space: nowrap;
  }
  .offer-id {
    font-weight: 550;
  }
  .pill + .offer-id {
    display: block;
    margin-top: 3px;
    white-space: nowrap;
  }
  .weak {
    display: inline-block;
    color: var(--muted);
    text-decoration: underline dotted;
    text-underline-offset: 3px;
  }
  .country {
    display: inline-flex;
    align-items: center;
    gap: 6px;
    white-space: nowrap;
  }
  .flag {
    font-size: 16px;
    line-height: 1;
  }
  abbr {
    text-decoration: none;
    cursor: help;
  }

  /* Pills */
  .pill {
    display: inline-block;
    border-radius: 999px;
    padding: 1px 9px;
    font-size: 12px;
    font-weight: 600;
    line-height: 1.6;
    white-space: nowrap;
    background: var(--seg-unknown-bg);
    color: var(--seg-unknown);
  }
  .seg-low {
    background: var(--seg-low-bg);
    color: var(--seg-low);
  }
  .seg-average {
    background: var(--seg-average-bg);
    color: var(--seg-average);
  }
  .seg-high {
    background: var(--seg-high-bg);
    color: var(--seg-high);
  }
  .seg-customer {
    background: var(--seg-customer-bg);
    color: var(--seg-customer);
  }
  .seg-unknown {
    background: var(--seg-unknown-bg);
    color: var(--seg-unknown);
    box-shadow: inset 0 0 0 1px var(--border);
  }
  .kind-coupon {
    background: var(--kind-coupon-bg);
    color: var(--kind-coupon);
  }
  .kind-urgency {
    background: var(--kind-urgency-bg);
    color: var(--kind-urgency);
  }
  .kind-lead_magnet {
    background: var(--kind-lead-bg);
    color: var(--kind-lead);
  }
  .status-running {
    background: var(--seg-high-bg);
    color: var(--seg-high);
  }
  .status-stopped {
    background: var(--seg-average-bg);
    color: var(--seg-average);
  }
  .stock-ok {
    background: var(--seg-high-bg);
    color: var(--seg-high);
  }
  .stock-low {
    background: var(--warn-bg);
    color: var(--warn-text);
    box-shadow: inset 0 0 0 1px var(--warn-border);
  }
  .stock-empty {
    background: var(--error-bg);
    color: var(--error-text);
  }

  /* Experiments */
  .experiment {
    display: grid;
    grid-template-columns: minmax(0, 1fr);
    gap: 10px;
  }
  .experiment + .experiment {
    margin-top: 6px;
  }
  .significant th,
  .significant td {
    background: color-mix(in srgb, var(--seg-high-bg) 45%, transparent);
  }
  .star {
    color: var(--accent);
  }
  .up {
    color: var(--ok);
    font-weight: 600;
  }
  .down {
    color: var(--bad);
    font-weight: 600;
  }

  .foot {
    color: var(--muted);
    font-size: 12.5px;
    text-align: center;
    padding-top: 4px;
  }

  /* Token form */
  .center {
    min-height: 100vh;
    display: grid;
    place-items: center;
    padding: 24px;
  }
  .login {
    width: min(420px, 100%);
    background: var(--surface);
    border: 1px solid var(--border);
    border-radius: 14px;
    padding: 28px;
    display: grid;
    gap: 12px;
    box-shadow: 0 10px 30px rgb(15 20 30 / 0.08);
  }
  .login h1 {
    display: flex;
    align-items: center;
    gap: 8px;
    font-size: 19px;
  }
  .login p {
    color: var(--muted);
  }
  label {
    font-weight: 600;
    margin-top: 4px;
  }
  input {
    font: inherit;
    color: var(--text);
    background: var(--surface);
    border: 1px solid var(--muted);
    border-radius: 8px;
    padding: 9px 12px;
    width: 100%;
  }
  input[aria-invalid='true'] {
    border-color: var(--bad);
  }
  .field-error {
    color: var(--bad) !important;
    font-size: 13px;
  }

  /* Preview section */
  .preview-path {
    display: grid;
    gap: 4px;
    max-width: 28em;
  }
  .preview-targets td.num {
    width: 1%;
  }
  .preview-outcome p {
    margin: 0;
  }

  /* Narrow screens: cards two by two, visitor rows as stacked cards */
  @media (max-width: 1000px) {
    .cards {
      grid-template-columns: repeat(2, minmax(0, 1fr));
    }
    .columns {
      grid-template-columns: minmax(0, 1fr);
    }
  }
  @media (max-width: 640px) {
    .top {
      padding: 12px 16px;
      position: static;
    }
    main {
      padding: 16px 12px 32px;
      gap: 14px;
    }
    .panel {
      padding: 14px;
    }
    .cards {
      gap: 10px;
    }
    .card-value {
      font-size: 22px;
    }
    .visitors,
    .visitors tbody,
    .visitors tr,
    .visitors th,
    .visitors td {
      display: block;
    }
    .visitors thead {
      position: absolute;
      width: 1px;
      height: 1px;
      overflow: hidden;
      clip: rect(0 0 0 0);
    }
    .visitors tr {
      padding: 10px 12px;
    }
    .visitors tbody tr + tr > * {
      border-top: 0;
    }
    .visitors tbody tr + tr {
      border-top: 1px solid var(--border);
    }
    .visitors th,
    .visitors td {
      display: grid;
      grid-template-columns: 7.5em minmax(0, 1fr);
      align-items: baseline;
      gap: 10px;
      padding: 2px 0;
      text-align: left;
      background: none !important;
    }
    .visitors tbody th {
      padding-bottom: 6px;
    }
    .visitors [data-label]::before {
      content: attr(data-label);
      color: var(--muted);
      font-size: 12px;
      font-weight: 600;
    }
    .visitors .page {
      max-width: 100%;
    }
  }
`;
