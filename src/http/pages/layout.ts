import { VERSION } from '../../version.js';
import { html, raw, type SafeHtml } from '../html.js';

export interface LayoutOptions {
  title: string;
  simulated: boolean;
  body: SafeHtml;
  /** `<meta http-equiv="refresh">` interval; absent: no refresh. */
  refreshSeconds?: number;
}

/**
 * Calm by default: neutral page, status colours only on badges, strong colour only for what is down.
 * Every colour pair passes WCAG AA (4.5:1) for its text; a dark scheme follows the system setting.
 */
const CSS = `
:root{--bg:#f6f7f9;--fg:#1b1f24;--muted:#545d68;--card:#fff;--border:#d0d7de;--link:#0a58ca;
--up-bg:#e3f5e8;--up-fg:#115c2a;--down-bg:#b3261e;--down-fg:#fff;--down-soft:#fdecea;--stale-soft:#fffbe6;--stale-bg:#fff4c2;--stale-fg:#6b4a00;
--warn-bg:#fff4c2;--warn-fg:#6b4a00;--unknown-bg:#e8ebef;--unknown-fg:#3a424b;--off-bg:transparent;--off-fg:#545d68;--code-bg:#eef1f4}
@media (prefers-color-scheme:dark){:root{--bg:#0f1318;--fg:#e6edf3;--muted:#9ba4ae;--card:#161b22;--border:#30363d;--link:#79b8ff;
--up-bg:#12301d;--up-fg:#8fe3a8;--down-bg:#e5534b;--down-fg:#0f1318;--down-soft:#3a1619;--stale-soft:#2a2208;--stale-bg:#3b2f06;--stale-fg:#f2cc60;
--warn-bg:#3b2f06;--warn-fg:#f2cc60;--unknown-bg:#262c34;--unknown-fg:#c9d1d9;--off-fg:#9ba4ae;--code-bg:#222831}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif}
main{max-width:1280px;margin:0 auto;padding:1.25rem 1.5rem 3rem}
a{color:var(--link)}
h1{font-size:1.6rem;margin:.2rem 0 .3rem;display:flex;gap:.6rem;align-items:center;flex-wrap:wrap}
h2{font-size:1.2rem;margin:2rem 0 .6rem;padding-bottom:.3rem;border-bottom:1px solid var(--border)}
h3{font-size:1rem;margin:1.2rem 0 .4rem}
p{margin:.4rem 0}
code,.mono{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:.9em}
code{background:var(--code-bg);padding:.05rem .3rem;border-radius:4px;overflow-wrap:anywhere}
.muted{color:var(--muted)}
.small{font-size:.85rem}
.banner{background:var(--stale-bg);color:var(--stale-fg);border:1px solid currentColor;border-radius:6px;padding:.5rem .8rem;font-weight:600}
.topnav{display:flex;justify-content:space-between;gap:1rem;font-size:.9rem;color:var(--muted);flex-wrap:wrap}
.tiles{display:flex;gap:.6rem;flex-wrap:wrap;margin:.8rem 0;padding:0;list-style:none}
.tiles li{background:var(--card);border:1px solid var(--border);border-radius:8px;padding:.45rem .9rem;min-width:7.5rem}
.tiles .n{font-size:1.5rem;font-weight:700;display:block;line-height:1.2}
.tiles .hot{border-color:var(--down-bg);border-width:2px}
.badge{display:inline-flex;align-items:center;gap:.3rem;border-radius:4px;padding:.05rem .45rem;font-weight:700;font-size:.8rem;letter-spacing:.03em;white-space:nowrap}
.icon{font-size:.85em}
.b-up{background:var(--up-bg);color:var(--up-fg)}
.b-down{background:var(--down-bg);color:var(--down-fg)}
.b-stale{background:var(--stale-bg);color:var(--stale-fg);outline:1px solid currentColor}
.b-warn{background:var(--warn-bg);color:var(--warn-fg)}
.b-unknown{background:var(--unknown-bg);color:var(--unknown-fg)}
.b-off{background:var(--off-bg);color:var(--off-fg);border:1px dashed currentColor}
.table-wrap{overflow-x:auto;background:var(--card);border:1px solid var(--border);border-radius:8px}
table{border-collapse:collapse;width:100%}
caption{text-align:left;padding:.5rem .75rem;color:var(--muted);font-size:.85rem;caption-side:top}
th,td{padding:.4rem .75rem;border-top:1px solid var(--border);text-align:left;vertical-align:top}
thead th{font-size:.8rem;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);background:var(--card);border-top:none}
tbody th{font-weight:600}
td.cell{text-align:center;white-space:nowrap;padding:.4rem .45rem}
.grid thead th{text-transform:none;letter-spacing:0;font-size:.8rem;text-align:center}
.grid thead th:first-child{text-align:left}
.grid tbody th{white-space:nowrap}
.nowrap{white-space:nowrap}
th.endpoint{overflow-wrap:anywhere;font-weight:400;width:34%}
tr.has-error>*{border-bottom:none}
tr.error-row td{border-top:none;padding-top:0}
td.cell .req{display:block;font-size:.72rem;color:var(--muted);font-weight:400;letter-spacing:0}
td.cell.bad{background:var(--down-soft)}
td.cell.warn{background:var(--stale-soft)}
td .cause{margin:0}
.pages{display:block;font-size:.7rem;text-transform:none;letter-spacing:0;font-weight:600;color:var(--fg)}
.failing{list-style:none;padding:0;margin:0;display:grid;gap:.8rem}
.card{background:var(--card);border:1px solid var(--border);border-left:6px solid var(--down-bg);border-radius:8px;padding:.7rem 1rem}
.card.stale{border-left-color:var(--stale-fg)}
.card h3{margin:0 0 .3rem;display:flex;gap:.5rem;align-items:center;flex-wrap:wrap}
.error{margin:.3rem 0;padding:.4rem .6rem;background:var(--code-bg);border-radius:4px;white-space:pre-wrap;overflow-wrap:anywhere;font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:.85rem}
.cause{margin:.4rem 0 0}
.ok-note{background:var(--card);border:1px solid var(--border);border-left:6px solid var(--up-fg);border-radius:8px;padding:.6rem 1rem}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:.6rem 0}
dl.meta dt{color:var(--muted)}
dl.meta dd{margin:0;overflow-wrap:anywhere}
ul.findings{margin:.3rem 0;padding-left:1.2rem}
footer{margin-top:2.5rem;color:var(--muted);font-size:.85rem}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`;

export function layout(options: LayoutOptions): string {
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${options.refreshSeconds ? html`<meta http-equiv="refresh" content="${options.refreshSeconds}">` : ''}
<title>${options.title}</title>
<style>${raw(CSS)}</style>
</head>
<body>
<main>
${options.simulated ? html`<p class="banner" role="note">Demo mode: simulated data from the built-in ARM simulator, not Azure.</p>` : ''}
${options.body}
<footer>
<p>apim-netwatch ${VERSION} · <a href="/">fleet</a> · <a href="/metrics">/metrics</a> · <a href="/api/v1/status">/api/v1/status</a> · <a href="/healthz">/healthz</a> · <a href="/readyz">/readyz</a>${options.refreshSeconds ? ` · this page reloads every ${options.refreshSeconds} s` : ''}</p>
</footer>
</main>
</body>
</html>
`;
  return page.value;
}

/** Before the first poll completed: say so, and come back soon. */
export function waitingPage(simulated: boolean): string {
  return layout({
    title: 'apim-netwatch: waiting for the first poll',
    simulated,
    refreshSeconds: 5,
    body: html`<h1>APIM network status</h1>
<p class="ok-note">Waiting for the first poll to complete. This page reloads by itself every 5 seconds.</p>
<p class="muted">The monitor reads every instance's NetworkStatus at start-up and then on its schedule; <a href="/readyz">/readyz</a> answers 503 until then.</p>`,
  });
}

export function notFoundPage(simulated: boolean, what: string): string {
  return layout({
    title: 'apim-netwatch: not found',
    simulated,
    body: html`<h1>Not found</h1>
<p>${what}</p>
<p><a href="/">Back to the fleet</a></p>`,
  });
}
