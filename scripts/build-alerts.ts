/**
 * Writes the alert rules from src/alerts/rules.ts (the single source of truth):
 * - deploy/prometheus/apim-netwatch.rules.yml      ready to load, defaults substituted;
 * - helm/apim-netwatch/files/alert-rules.yaml      the same document with the placeholders left in, for the chart;
 * - deploy/azure/prometheus-rule-groups.json       the same rules as an ARM template of prometheusRuleGroups.
 * Run: npx tsx scripts/build-alerts.ts   (test/alerts.test.ts fails when the files are out of date)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_RULES_OPTIONS, renderAzureRuleGroups, renderRules, RULES_TEMPLATE_PLACEHOLDERS } from '../src/alerts/rules.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const RULES_FILE = 'deploy/prometheus/apim-netwatch.rules.yml';
export const HELM_RULES_FILE = 'helm/apim-netwatch/files/alert-rules.yaml';
export const AZURE_RULES_FILE = 'deploy/azure/prometheus-rule-groups.json';

/** The generated files and their expected content, relative to the repository root. */
export function generatedFiles(): Record<string, string> {
  return {
    [RULES_FILE]: renderRules(DEFAULT_RULES_OPTIONS),
    [HELM_RULES_FILE]: renderRules(RULES_TEMPLATE_PLACEHOLDERS),
    [AZURE_RULES_FILE]: renderAzureRuleGroups(DEFAULT_RULES_OPTIONS),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const [path, content] of Object.entries(generatedFiles())) {
    mkdirSync(dirname(join(ROOT, path)), { recursive: true });
    writeFileSync(join(ROOT, path), content);
    console.log(`wrote ${path}`);
  }
}
