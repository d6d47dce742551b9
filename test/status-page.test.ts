import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetReport } from '../src/analysis/report.js';
import { createApp } from '../src/http/app.js';
import { html, raw } from '../src/http/html.js';
import { fleetPage } from '../src/http/pages/fleet-page.js';
import { formatDuration, instancePath } from '../src/http/pages/format.js';
import { findInstance, instancePage } from '../src/http/pages/instance-page.js';
import { CRAFTED_NOW, craftedReport } from './helpers/report.js';
import { staticExposition } from '../src/metrics/exposition-body.js';

const EVIL = '<script>alert(1)</script>';
const ESCAPED = '&lt;script&gt;alert(1)&lt;/script&gt;';

describe('html tagged template', () => {
  it('escapes every interpolated value unless it is raw() or another html fragment', () => {
    const name = `"><img src=x onerror=alert(1)>`;
    expect(html`<a title="${name}">${name}</a>`.value).toBe('<a title="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;">&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</a>');
    expect(html`<p>${raw('<b>trusted</b>')} ${html`<i>${EVIL}</i>`}</p>`.value).toBe(`<p><b>trusted</b> <i>${ESCAPED}</i></p>`);
    expect(html`<ul>${['a&b', html`<li>${"'"}</li>`]}</ul>`.value).toBe('<ul>a&amp;b<li>&#39;</li></ul>');
    expect(html`${null}${undefined}${false}${true}${0}`.value).toBe('0');
  });

  it('shows control and bidi characters as their escapes: marked out in text, the escape alone in an attribute', () => {
    const name = 'evil\u202Eexe.txt\u001b[2J';
    const marked = (escape: string) => `<span class=ctl style=color:var(--down-bg);font-family:ui-monospace,monospace>${escape}</span>`;
    expect(html`<a title="x ${name}" href="/y">${name}</a>`.value).toBe(
      `<a title="x evil\\u202eexe.txt\\x1b[2J" href="/y">evil${marked('\\u202e')}exe.txt${marked('\\x1b')}[2J</a>`,
    );
    // Tabs and line breaks are whitespace in HTML, not hidden text: kept.
    expect(html`<p>${'a\tb\nc'}</p>`.value).toBe('<p>a\tb\nc</p>');
  });

  it('formats durations and instance links', () => {
    expect([formatDuration(5), formatDuration(125), formatDuration(3 * 3600 + 300), formatDuration(50 * 3600)]).toEqual(['5 s', '2 min', '3 h 5 min', '2 d 2 h']);
    expect(instancePath('/Subscriptions/A/x')).toBe('/instances/%2Fsubscriptions%2Fa%2Fx');
  });
});

function expectNoInjection(page: string): void {
  expect(page).not.toMatch(/<script/i);
  expect(page).not.toContain('<img');
  expect(page).toContain(ESCAPED);
}

describe('page renderers with a crafted report whose Azure texts are markup', () => {
  const report = craftedReport(EVIL);
  const context = { simulated: false, now: CRAFTED_NOW };

  it('the fleet page shows the error text as text, and is structured for screen readers', () => {
    const page = fleetPage(report, context);
    expectNoInjection(page);
    expect(page).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(page).toContain('<meta http-equiv="refresh" content="60">');
    expect(page.match(/<h1[ >]/g)).toHaveLength(1);
    expect(page).toContain('<caption>');
    expect(page).toContain('<th scope="col">');
    expect(page).toContain('<th scope="row">');
    // status in words, and the likely cause with the (escaped) rule name
    expect(page).toMatch(/DOWN<\/span>/);
    expect(page).toContain(`<code>Deny${ESCAPED}</code>`);
    expect(page).toContain(`<div class="error">${ESCAPED}</div>`);
    // links to the instance page
    expect(page).toContain(`href="${instancePath(report.instances[0]!.instance.id)}"`);
    // drift: what differs and from what
    expect(page).toMatch(/outbound Sql 1433 &lt;script&gt;/);
    expect(page).not.toContain('Demo mode');
  });

  it('the instance page escapes names, tags, rules, subnet IDs and findings', () => {
    const page = instancePage(report, report.instances[0]!, { ...context, simulated: true });
    expectNoInjection(page);
    expect(page).toContain('Demo mode');
    expect(page).toContain(`<code>team${ESCAPED}=${ESCAPED}</code>`);
    expect(page).toContain(`outbound Sql:1433 is denied by rule Deny${ESCAPED}`);
    expect(page).toMatch(/outbound Sql Tcp\/1433<\/th><td><span class="badge b-down">.*DENIED/);
    const levels = [...page.matchAll(/<h([1-6])[ >]/g)].map((m) => Number(m[1]));
    expect(levels[0]).toBe(1);
    expect(levels.filter((l) => l === 1)).toHaveLength(1);
    for (let i = 1; i < levels.length; i++) expect(levels[i]! - levels[i - 1]!).toBeLessThanOrEqual(1);
  });

  it('finds an instance by its ID (any case) or by subscription/resourceGroup/name', () => {
    const id = report.instances[0]!.instance.id;
    expect(findInstance(report, { id: id.toUpperCase() })).toBe(report.instances[0]);
    expect(findInstance(report, { subscriptionId: '00000000-0000-4000-8000-000000000001', resourceGroup: 'RG-Evil', name: `APIM-${EVIL}` })).toBe(report.instances[0]);
    expect(findInstance(report, { id: '/subscriptions/nope' })).toBeUndefined();
  });
});

describe('the app: waiting page, instance pages, 404s', () => {
  let current: FleetReport | undefined;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    const app = createApp({ report: () => current, fleetMetrics: () => staticExposition(''), selfMetrics: async () => '', simulated: false, now: () => CRAFTED_NOW });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('before the first poll: a page that says it is waiting (503), and /readyz 503', async () => {
    current = undefined;
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(503);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toMatch(/Waiting for the first poll/);
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    expect((await fetch(`${base}/instances/x`)).status).toBe(503);
  });

  it('after it: the fleet, the instance page by encoded ID or triple, an HTML 404 for an unknown instance', async () => {
    current = craftedReport(EVIL);
    const fleet = await fetch(`${base}/`);
    expect(fleet.status).toBe(200);
    expect(fleet.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expectNoInjection(await fleet.text());
    const id = current.instances[0]!.instance.id;
    const byId = await fetch(`${base}${instancePath(id)}`);
    expect(byId.status).toBe(200);
    expectNoInjection(await byId.text());
    const byTriple = await fetch(`${base}/instances/00000000-0000-4000-8000-000000000001/rg-evil/${encodeURIComponent(`apim-${EVIL}`)}`);
    expect(byTriple.status).toBe(200);
    const missing = await fetch(`${base}/instances/${encodeURIComponent(`/subscriptions/x/${EVIL}`)}`);
    expect(missing.status).toBe(404);
    const text = await missing.text();
    expect(text).toMatch(/<h1>Not found<\/h1>/);
    expect(text).not.toMatch(/<script/i);
  });

  it('unknown paths: JSON 404 for API clients, an HTML page for browsers', async () => {
    const json = await fetch(`${base}/nope`);
    expect(json.status).toBe(404);
    expect(((await json.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    const page = await fetch(`${base}/nope`, { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(page.status).toBe(404);
    expect(await page.text()).toMatch(/<h1>Not found<\/h1>/);
  });
});

describe('a flow the monitor cannot judge', () => {
  it('shows UNKNOWN with the rule and the reason on the instance page, and under "Could not check" on the fleet page', () => {
    const report = craftedReport('x');
    const flow = report.instances[0]!.regions[0]!.config!.flows[0]!;
    Object.assign(flow, {
      verdict: 'unknown',
      decidedBy: 'AllowNewTag',
      decidingRules: ['AllowNewTag'],
      note: 'unknown: rule AllowNewTag: "SqlNext" is not a service tag in the service-tag data used (bundled snapshot)',
    });
    const instance = instancePage(report, report.instances[0]!, { simulated: false, now: CRAFTED_NOW });
    expect(instance).toMatch(/b-unknown[^>]*>.*UNKNOWN/s);
    expect(instance).toContain('&quot;SqlNext&quot; is not a service tag in the service-tag data used');
    const fleet = fleetPage(report, { simulated: false, now: CRAFTED_NOW });
    expect(fleet).toMatch(/Could not check[\s\S]*cannot judge outbound Sql Tcp\/1433: rule AllowNewTag: &quot;SqlNext&quot; is not a service tag/);
    expect(fleet).not.toMatch(/Blocked by configuration/);
  });
});
