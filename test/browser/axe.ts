// axe-core in the browser tests: its source (the `axe-core` package) is injected into the page,
// and `axe.run` scans the widget — its host element and everything in its shadow root.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

let source: string | undefined;

/** axe.min.js from node_modules; throws saying what is missing when the package is not installed. */
export function axeSource(): string {
  if (source === undefined) {
    let file: string;
    try {
      file = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
    } catch {
      throw new Error('axe-core is not installed: the accessibility scans need the dev dependency axe-core (npm install)');
    }
    source = readFileSync(file, 'utf8');
  }
  return source;
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  /** CSS selectors of the failing nodes (a shadow node as [host, inner]). */
  nodes: string[];
}

/**
 * axe's violations inside `selector` (default: every <visitor-offer>) with its default rules
 * (WCAG 2.0–2.2 A/AA and best practices). The page's clock must run (axe waits on timers), and
 * the page must allow inline scripts (the test pages have no CSP).
 */
export async function axeViolations(page: Page, selector = 'visitor-offer'): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: axeSource() });
  return page.evaluate(async (sel) => {
    interface AxeResult {
      violations: Array<{ id: string; impact?: string | null; help: string; nodes: Array<{ target: unknown[] }> }>;
    }
    const axe = (window as unknown as { axe: { run(context: unknown, options: unknown): Promise<AxeResult> } }).axe;
    const result = await axe.run({ include: [[sel]] }, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact ?? null, help: v.help, nodes: v.nodes.map((n) => JSON.stringify(n.target)) }));
  }, selector);
}
