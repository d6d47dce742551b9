/**
 * Which APIM dependency a NetworkStatus entry is about (docs/design.md, "Severity is a policy").
 * The resourceType decides; the host decides only when the resourceType is unknown; the rest is `other`.
 */

export const DEPENDENCIES = [
  'storage',
  'sql',
  'keyvault',
  'graph',
  'monitoring',
  'management',
  'eventhub',
  'smtp',
  'sourcecontrol',
  'cache',
  'captcha',
  'other',
] as const;

export type Dependency = (typeof DEPENDENCIES)[number];

/** Keys are resourceTypes lower-cased with everything but letters and digits removed. */
const BY_RESOURCE_TYPE: Record<string, Dependency> = {
  blobstorage: 'storage',
  tablestorage: 'storage',
  filestorage: 'storage',
  queue: 'storage',
  queuestorage: 'storage',
  smtpqueue: 'storage',
  storage: 'storage',
  sqldatabase: 'sql',
  sql: 'sql',
  azurekeyvault: 'keyvault',
  keyvault: 'keyvault',
  azureactivedirectory: 'graph',
  regionalazureactivedirectory: 'graph',
  microsoftgraph: 'graph',
  graph: 'graph',
  entraid: 'graph',
  monitoring: 'monitoring',
  metrics: 'monitoring',
  azuremonitor: 'monitoring',
  applicationinsights: 'monitoring',
  apimanagementcontrolplaneinbound: 'management',
  eventhub: 'eventhub',
  eventhubs: 'eventhub',
  email: 'smtp',
  smtp: 'smtp',
  sourcecontrol: 'sourcecontrol',
  internalcache: 'cache',
  cache: 'cache',
  redis: 'cache',
  captchaendpoint: 'captcha',
  captcha: 'captcha',
};

/** Host patterns, tried in order against the host part of the entry's name. */
const BY_HOST: Array<[RegExp, Dependency]> = [
  [/\.(blob|table|queue|file)\.core\.windows\.net$/, 'storage'],
  [/\.database\.windows\.net$/, 'sql'],
  [/\.vault\.azure\.net$/, 'keyvault'],
  [/(^|\.)login\.windows\.net$|(^|\.)login\.microsoft\.com$|^login\.microsoftonline\.com$|^graph\.microsoft\.com$/, 'graph'],
  [/\.monitoring\.azure\.com$|\.microsoftmetrics\.com$|\.metrics\.nsatc\.net$|\.monitoring\.core\.windows\.net$/, 'monitoring'],
  [/\.servicebus\.windows\.net$/, 'eventhub'],
  [/\.management\.azure-api\.net$/, 'management'],
];

export function normaliseResourceType(resourceType: string): string {
  return resourceType.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** The host of a NetworkStatus entry name, which may be a bare host or a URL with port and path. */
export function hostOf(name: string): string {
  const trimmed = name.trim().toLowerCase();
  const withoutScheme = trimmed.replace(/^[a-z][a-z0-9+.-]*:\/\//, '');
  return withoutScheme.split(/[/:?#]/, 1)[0] ?? '';
}

export function classifyDependency(resourceType: string, name: string): Dependency {
  const byType = BY_RESOURCE_TYPE[normaliseResourceType(resourceType)];
  if (byType) return byType;
  const host = hostOf(name);
  for (const [pattern, dependency] of BY_HOST) {
    if (pattern.test(host)) return dependency;
  }
  return 'other';
}
