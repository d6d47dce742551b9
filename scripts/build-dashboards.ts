/**
 * Writes the Grafana dashboards built in dashboards/src to dashboards/<uid>.json and an identical copy
 * to helm/apim-netwatch/dashboards/<uid>.json (packaged by the chart as ConfigMaps labelled
 * grafana_dashboard: "1").
 *
 *   npx tsx scripts/build-dashboards.ts
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDashboards, OUTPUT_DIRS, renderDashboard } from '../dashboards/src/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dashboards = buildDashboards();
const wanted = new Set(dashboards.map((built) => `${built.uid}.json`));

for (const dir of OUTPUT_DIRS) {
  const target = join(root, dir);
  mkdirSync(target, { recursive: true });
  // Remove dashboards that no longer exist (only our own apim-netwatch-*.json files).
  for (const file of readdirSync(target)) {
    if (file.startsWith('apim-netwatch-') && file.endsWith('.json') && !wanted.has(file)) rmSync(join(target, file));
  }
  for (const built of dashboards) {
    writeFileSync(join(target, `${built.uid}.json`), renderDashboard(built));
    console.log(`wrote ${dir}/${built.uid}.json (${built.title})`);
  }
}
