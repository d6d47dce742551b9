import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type RunningService } from '../src/cli/serve.js';
import { createApp } from '../src/http/app.js';
import { instancePath } from '../src/http/pages/format.js';
import { createServer, listen } from '../src/http/server.js';
import { NO_WEB_CONFIG } from '../src/http/web-config.js';
import { ROOT } from './helpers/processes.js';
import { CRAFTED_NOW, craftedReport } from './helpers/report.js';
import { staticExposition } from '../src/metrics/exposition-body.js';
import { waitFor } from './helpers/ports.js';

/**
 * The status page in a real browser: Debian's Chromium driven by playwright-core, against the demo
 * fleet served by startService. Nothing leaves 127.0.0.1 (the flags turn off Chromium's own traffic).
 */
const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];
const ARTIFACTS = join(ROOT, 'test-artifacts');
const INTERNAL_ID = '/subscriptions/3f8a1c2e-6b4d-4e9a-8c71-2d5e9b0a4f13/resourcegroups/rg-apim-internal/providers/microsoft.apimanagement/service/contoso-internal';

function waitForReady(base: string): Promise<boolean> {
  return waitFor('the service to be ready', async () => ((await fetch(`${base}/readyz`)).status === 200 ? true : undefined), 20_000, 100);
}

describe('status page in Chromium (demo fleet)', () => {
  let service: RunningService;
  let base: string;
  let profile: string;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    process.env.APIM_NETWATCH_LOG_LEVEL = 'silent';
    service = await startService({ demo: true, port: 0 });
    base = `http://127.0.0.1:${service.port}`;
    await waitForReady(base);
    mkdirSync(ARTIFACTS, { recursive: true });
    // A fresh profile: launchPersistentContext is playwright's way to pass --user-data-dir.
    profile = mkdtempSync(join(tmpdir(), 'netwatch-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      viewport: { width: 1360, height: 900 },
      colorScheme: 'light',
      offline: false,
    });
    // Only the service itself: anything else the page asked for would be a bug (and a network call).
    await context.route(/^(?!http:\/\/127\.0\.0\.1:)/, (route) => route.abort());
    page = context.pages()[0] ?? (await context.newPage());
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await service?.stop();
    delete process.env.APIM_NETWATCH_LOG_LEVEL;
  });

  it('shows SQL failing in contoso-internal (westeurope) in words, with the error and the likely cause', async () => {
    const response = await page.goto(`${base}/`);
    expect(response?.status()).toBe(200);
    expect(await page.locator('h1').count()).toBe(1);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.locator('meta[http-equiv="refresh"]').getAttribute('content')).toBe('60');
    expect(await page.locator('.banner').innerText()).toMatch(/Demo mode/);

    // The grid: the row of contoso-internal in westeurope says DOWN in the sql column, as text.
    const grid = page.locator('table', { has: page.locator('caption', { hasText: 'Every instance and region' }) });
    const headers = await grid.locator('thead th').allInnerTexts();
    const sqlColumn = headers.findIndex((h) => /^sql/i.test(h.trim()));
    expect(sqlColumn).toBeGreaterThan(0);
    const row = grid.locator('tbody tr', { has: page.locator('th', { hasText: 'contoso-internal' }) }).filter({ hasText: 'westeurope' });
    await expect(row.count()).resolves.toBe(1);
    const sqlCell = row.locator('th, td').nth(sqlColumn);
    expect(await sqlCell.innerText()).toMatch(/DOWN/);
    expect(await sqlCell.innerText()).toMatch(/required/);
    // Healthy contoso-prod says UP in the same column.
    const prod = grid.locator('tbody tr', { has: page.locator('th', { hasText: 'contoso-prod' }) }).first();
    expect(await prod.locator('th, td').nth(sqlColumn).innerText()).toMatch(/UP/);

    // "Failing now" names the rule that blocks it.
    const failing = page.locator('li.card', { hasText: 'contoso-internal' }).filter({ hasText: 'sql' });
    expect(await failing.innerText()).toMatch(/DOWN[\s\S]*DenyDatabaseEgress/);
    await page.screenshot({ path: join(ARTIFACTS, 'status-page.png'), fullPage: true });
  });

  it("follows the grid's link to the instance page: endpoints, error text, likely cause, flows", async () => {
    await page.goto(`${base}/`);
    const link = page.locator('table tbody th a', { hasText: 'contoso-internal' }).first();
    expect(await link.getAttribute('href')).toBe(`/instances/${encodeURIComponent(INTERNAL_ID)}`);
    await Promise.all([page.waitForURL(/\/instances\//), link.click()]);
    expect(await page.locator('h1').innerText()).toMatch(/contoso-internal[\s\S]*DOWN/);
    const body = await page.locator('main').innerText();
    expect(body).toMatch(/Failed to connect to apirpsql35jev1xmh5b2\.database\.windows\.net:1433/);
    expect(body).toContain('DenyDatabaseEgress');
    const flow = page.locator('tr', { has: page.locator('th', { hasText: 'outbound Sql Tcp/1433' }) });
    expect(await flow.innerText()).toMatch(/DENIED[\s\S]*DenyDatabaseEgress/);
    // Headings in order: one h1, then h2s, h3s only under an h2.
    const levels = await page.locator('h1, h2, h3').evaluateAll((nodes) => nodes.map((n) => Number(n.tagName.slice(1))));
    expect(levels[0]).toBe(1);
    for (let i = 1; i < levels.length; i++) expect(levels[i]! - levels[i - 1]!).toBeLessThanOrEqual(1);
    await page.screenshot({ path: join(ARTIFACTS, 'instance-page.png'), fullPage: true });
  });

  it('an unknown instance is a 404 page; the triple form finds the instance', async () => {
    const missing = await page.goto(`${base}/instances/${encodeURIComponent('/subscriptions/x/resourcegroups/y/providers/microsoft.apimanagement/service/nope')}`);
    expect(missing?.status()).toBe(404);
    expect(await page.locator('h1').innerText()).toBe('Not found');
    const triple = await page.goto(`${base}/instances/3f8a1c2e-6b4d-4e9a-8c71-2d5e9b0a4f13/RG-APIM-INTERNAL/contoso-internal`);
    expect(triple?.status()).toBe(200);
    expect(await page.locator('h1').innerText()).toMatch(/contoso-internal/);
  });

  it('a report whose Azure texts are markup shows them as text and runs nothing', async () => {
    const report = craftedReport('<script>alert(1)</script>');
    const server = createServer(createApp({ report: () => report, fleetMetrics: () => staticExposition(''), selfMetrics: async () => '', simulated: false, now: () => CRAFTED_NOW }), NO_WEB_CONFIG);
    const port = await listen(server, 0, '127.0.0.1');
    const dialogs: string[] = [];
    const onDialog = (dialog: { message(): string; dismiss(): Promise<void> }) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    };
    page.on('dialog', onDialog);
    try {
      for (const path of ['/', instancePath(report.instances[0]!.instance.id)]) {
        expect((await page.goto(`http://127.0.0.1:${port}${path}`))?.status()).toBe(200);
        expect(await page.locator('.error').first().innerText()).toBe('<script>alert(1)</script>');
        expect(await page.locator('main script').count()).toBe(0);
      }
      expect(dialogs).toEqual([]);
    } finally {
      page.off('dialog', onDialog);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections(); // the browser keeps its connection alive
      await closed;
    }
  });
});
