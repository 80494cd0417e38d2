import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch } from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { CHROMIUM_PATH } from '../e2e/support/browser.ts';
import { startServer, waitUntilReady } from '../testing/server-process.ts';
import { repoRoot } from '../server/config.ts';

/**
 * `npm run bench:lighthouse`: Lighthouse (12, the last for Node 20) against the real server and Debian's
 * Chromium: best practices, accessibility and performance of the app page. Lighthouse 12 dropped its PWA
 * category; installability (DevTools Protocol Page.getInstallabilityErrors) and the offline start are
 * checked in e2e/pwa.test.ts. Writes bench/results/lighthouse.json and lighthouse.md.
 */

const CATEGORIES = ['best-practices', 'accessibility', 'performance'] as const;
const resultsDir = join(repoRoot, 'bench', 'results');

interface Audit {
  id: string;
  title: string;
  score: number | null;
  scoreDisplayMode: string;
  displayValue?: string;
}

interface CategoryResult {
  id: string;
  title: string;
  score: number | null;
  /** Audits of the category scored below 1 (informative and not-applicable ones left out). */
  failing: { id: string; title: string; score: number; displayValue?: string }[];
}

function categoryResults(lhr: { categories: Record<string, { title: string; score: number | null; auditRefs: { id: string }[] }>; audits: Record<string, Audit> }): CategoryResult[] {
  return CATEGORIES.map((id) => {
    const category = lhr.categories[id]!;
    const failing = category.auditRefs
      .map((ref) => lhr.audits[ref.id]!)
      .filter((audit) => (audit.scoreDisplayMode === 'binary' || audit.scoreDisplayMode === 'numeric' || audit.scoreDisplayMode === 'metricSavings') && audit.score !== null && audit.score < 1)
      .map(({ id: auditId, title, score, displayValue }) => ({ id: auditId, title, score: score!, ...(displayValue ? { displayValue } : {}) }));
    return { id, title: category.title, score: category.score, failing };
  });
}

function markdown(results: CategoryResult[], meta: { date: string; lighthouse: string; userAgent: string; formFactor: string }): string {
  const score = (value: number | null) => (value === null ? '—' : String(Math.round(value * 100)));
  const rows = results.map((r) => `| ${r.title} | ${score(r.score)} | ${r.failing.length === 0 ? 'none' : r.failing.map((a) => `${a.title} (${score(a.score)}${a.displayValue ? `, ${a.displayValue}` : ''})`).join('; ')} |`);
  return [
    '# Lighthouse',
    '',
    `${meta.date} · Lighthouse ${meta.lighthouse} · ${meta.userAgent} · ${meta.formFactor} emulation, simulated throttling · the app page served by \`npm start\`'s server with the generated tiny models`,
    '',
    '| Category | Score | Audits below full score |',
    '| --- | --- | --- |',
    ...rows,
    '',
    'Lighthouse 12 has no PWA category any more; installability (zero `Page.getInstallabilityErrors`), the service worker and the offline start are checked by `e2e/pwa.test.ts`.',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const server = await startServer();
  const chrome = await launch({ chromePath: CHROMIUM_PATH, chromeFlags: ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
  try {
    await waitUntilReady(server);
    const result = await lighthouse(server.url, { port: chrome.port, output: 'json', logLevel: 'error', onlyCategories: [...CATEGORIES] });
    if (!result) throw new Error('Lighthouse returned no result');
    const { lhr } = result;
    if (lhr.runtimeError) throw new Error(`Lighthouse could not audit the page: ${lhr.runtimeError.message}`);
    const results = categoryResults(lhr as unknown as Parameters<typeof categoryResults>[0]);
    const meta = { date: lhr.fetchTime, lighthouse: lhr.lighthouseVersion, userAgent: lhr.environment.hostUserAgent.replace(/^.*(Chrome\/[\d.]+).*$/, '$1'), formFactor: lhr.configSettings.formFactor };
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(join(resultsDir, 'lighthouse.json'), `${JSON.stringify({ ...meta, categories: results }, null, 2)}\n`);
    const report = markdown(results, meta);
    writeFileSync(join(resultsDir, 'lighthouse.md'), report);
    console.log(`${report}\nWritten: bench/results/lighthouse.json, bench/results/lighthouse.md`);
  } finally {
    chrome.kill();
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
