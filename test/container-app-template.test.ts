import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../src/config/load.js';
import { remoteWriteAuth } from '../src/remote-write/config.js';
import { ROOT } from './helpers/processes.js';

/**
 * deploy/azure/container-app.json, checked offline as far as it can be: an ARM template whose every parameter and
 * variable reference is declared, one Microsoft.App/containerApps resource with a user-assigned identity, and a
 * configuration (mounted from a secret) that this version's schema accepts with remote-write on Entra ID.
 */

type Json = Record<string, unknown>;
const template = JSON.parse(readFileSync(join(ROOT, 'deploy/azure/container-app.json'), 'utf8')) as Json;
const parameters = template.parameters as Record<string, Json>;
const variables = template.variables as Json;
const app = (template.resources as Json[])[0]!;
const properties = app.properties as Json;
const container = ((properties.template as Json).containers as Json[])[0]!;

/** Every string of a JSON value, however deep. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([key, inner]) => [key, ...strings(inner)]);
  return [];
}

/** Values of a test deployment for the template's own `[parameters('x')]` expressions. */
const SAMPLE: Json = {
  subscriptions: ['3f8a1c2e-6b4d-4e9a-8c71-2d5e9b0a4f13'],
  remoteWriteUrl: 'https://amw-abcd.westeurope-1.metrics.ingest.monitor.azure.com/dataCollectionRules/dcr-00000000000000000000000000000000/streams/Microsoft-PrometheusMetrics/api/v1/write?api-version=2023-04-24',
  denyFamilies: ['apim_network_endpoint_last_.*'],
};

/** A template value with its whole-string parameter expressions replaced by the sample's values. */
function evaluate(value: unknown): unknown {
  if (typeof value === 'string') {
    const match = /^\[parameters\('(\w+)'\)\]$/.exec(value);
    if (match) return SAMPLE[match[1]!];
    if (value.startsWith('[')) throw new Error(`not evaluated offline: ${value}`);
    return value;
  }
  if (Array.isArray(value)) return value.map(evaluate);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, evaluate(inner)]));
  return value;
}

describe('deploy/azure/container-app.json', () => {
  it('is a deployment template whose every parameter and variable reference is declared, and every parameter used', () => {
    expect(template.$schema).toBe('https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#');
    expect(template.contentVersion).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const text = strings(template.resources).concat(strings(variables), strings(template.outputs)).join('\n');
    const usedParameters = new Set([...text.matchAll(/parameters\('(\w+)'\)/g)].map((m) => m[1]!));
    const usedVariables = new Set([...text.matchAll(/variables\('(\w+)'\)/g)].map((m) => m[1]!));
    expect([...usedParameters].filter((name) => !(name in parameters))).toEqual([]);
    expect([...usedVariables].filter((name) => !(name in variables))).toEqual([]);
    expect(Object.keys(parameters).filter((name) => !usedParameters.has(name))).toEqual([]);
    for (const [name, parameter] of Object.entries(parameters)) expect(['string', 'array', 'bool', 'int', 'object'], name).toContain(parameter.type);
  });

  it('runs the image as a container app with the user-assigned identity, its client ID for DefaultAzureCredential', () => {
    expect(template.resources).toHaveLength(1);
    expect(app.type).toBe('Microsoft.App/containerApps');
    expect(app.apiVersion).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(app.identity).toEqual({ type: 'UserAssigned', userAssignedIdentities: { "[parameters('identityId')]": {} } });
    expect(properties.managedEnvironmentId).toBe("[parameters('managedEnvironmentId')]");
    expect(container.image).toBe("[parameters('image')]");
    const env = container.env as Array<{ name: string; value: string }>;
    expect(env.find((entry) => entry.name === 'AZURE_CLIENT_ID')?.value).toBe("[reference(parameters('identityId'), '2023-01-31').clientId]");
    // One replica: two would push the same series (sharding is for Kubernetes).
    expect((properties.template as Json).scale).toEqual({ minReplicas: 1, maxReplicas: 1 });
  });

  it('mounts a configuration this schema accepts, pushing to the workspace with an Entra ID token', () => {
    const configuration = properties.configuration as Json;
    const secret = (configuration.secrets as Json[])[0]!;
    expect(secret.value).toBe("[string(variables('config'))]");
    const volume = ((properties.template as Json).volumes as Json[])[0]!;
    expect(volume).toMatchObject({ storageType: 'Secret', secrets: [{ secretRef: secret.name, path: 'config.yaml' }] });
    const mount = (container.volumeMounts as Json[])[0]!;
    expect(mount.volumeName).toBe(volume.name);
    expect(container.args).toEqual(['serve', '--config', `${mount.mountPath as string}/config.yaml`]);
    // JSON is YAML: the config file is the variable as the template writes it.
    const config = validateConfig(evaluate(variables.config), 'container-app.json', {});
    expect(config.remoteWrite.url).toBe(SAMPLE.remoteWriteUrl);
    expect(remoteWriteAuth({ ...config.remoteWrite, url: config.remoteWrite.url! })).toEqual({ kind: 'entra', scope: 'https://monitor.azure.com//.default' });
    expect(config.metrics.families.deny).toEqual(SAMPLE.denyFamilies);
    // Probes on the port the service listens on, at a path it serves without credentials.
    for (const probe of container.probes as Array<{ httpGet: { path: string; port: string } }>) {
      expect(probe.httpGet.path).toBe('/healthz');
      expect(probe.httpGet.port).toBe("[variables('port')]");
    }
    expect(variables.port).toBe(config.server.port);
    expect((variables.ingress as Json).external).toBe(false);
  });
});
