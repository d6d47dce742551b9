import type { RegionConfigReport } from '../../src/analysis/network.js';
import type { FleetReport, InstanceReport } from '../../src/analysis/report.js';

/** A small, hand-made FleetReport for renderer tests; `evil` goes into every free-text field Azure controls. */
export function craftedReport(evil = '<script>alert(1)</script>'): FleetReport {
  const id = '/subscriptions/00000000-0000-4000-8000-000000000001/resourcegroups/rg-evil/providers/microsoft.apimanagement/service/apim-evil';
  const config: RegionConfigReport = {
    state: 'ok',
    subnetChecks: [{ check: 'delegation', ok: false, detail: `subnet ${evil} is delegated to ${evil}` }],
    subnetId: `/subscriptions/x/resourcegroups/rg/providers/microsoft.network/virtualnetworks/v/subnets/${evil}`,
    nsgId: '/subscriptions/x/resourcegroups/rg/providers/microsoft.network/networksecuritygroups/nsg',
    flows: [
      {
        direction: 'outbound',
        peer: 'Sql',
        port: 1433,
        protocol: 'Tcp',
        dependency: 'sql',
        required: true,
        pages: true,
        applies: true,
        verdict: 'denied',
        decidedBy: `Deny${evil}`,
        decidingRules: [`Deny${evil}`],
      },
    ],
    routes: { forcedTunnelling: false, managementReturnRoute: true, verdicts: [], findings: [] },
    serviceEndpoints: [{ service: 'Microsoft.Sql', enabled: false }],
    dns: { vnet: ['10.0.0.4'], networkStatus: ['10.0.0.4'], consistent: true },
    findings: [`outbound Sql:1433 is denied by rule Deny${evil}`],
  };
  const instance: InstanceReport = {
    instance: {
      id,
      subscriptionId: '00000000-0000-4000-8000-000000000001',
      resourceGroup: 'rg-evil',
      name: `apim-${evil}`,
      sku: 'Developer',
      platformVersion: 'stv2',
      vnetType: 'Internal',
      regions: [{ location: 'westeurope', displayLocation: 'West Europe', primary: true }],
      tags: { [`team${evil}`]: evil },
    },
    monitored: true,
    targetUp: true,
    dataFetchedAt: '2030-01-01T11:59:00.000Z',
    health: 'down',
    regions: [
      {
        location: 'westeurope',
        displayLocation: 'West Europe',
        primary: true,
        data: 'ok',
        dnsServers: ['10.0.0.4'],
        endpoints: [
          {
            dependency: 'sql',
            resourceType: 'SQLDatabase',
            endpoint: `sql${evil}.database.windows.net`,
            required: true,
            status: 'failure',
            stale: false,
            up: false,
            error: evil,
            lastUpdated: '2030-01-01T11:55:00.000Z',
            lastStatusChange: '2030-01-01T10:00:00.000Z',
            ageSeconds: 300,
          },
          {
            dependency: 'storage',
            resourceType: 'BlobStorage',
            endpoint: 'st.blob.core.windows.net',
            required: true,
            status: 'success',
            stale: false,
            up: true,
            error: '',
            lastUpdated: '2030-01-01T11:58:00.000Z',
            ageSeconds: 120,
          },
        ],
        dependencies: [
          {
            dependency: 'storage',
            required: true,
            pages: true,
            up: true,
            stale: false,
            endpoints: 1,
            failingEndpoints: [],
          },
          {
            dependency: 'sql',
            required: true,
            pages: true,
            up: false,
            stale: false,
            endpoints: 1,
            failingEndpoints: [`sql${evil}.database.windows.net`],
            likelyCause: { kind: 'nsg', decidedBy: `Deny${evil}`, summary: `NSG rule Deny${evil} denies outbound Sql on Tcp 1433` },
          },
        ],
        config,
        drift: [{ group: 'fleet', aspect: 'flows', drifted: true }],
      },
    ],
  };
  return {
    generatedAt: '2030-01-01T11:59:30.000Z',
    staleAfterSeconds: 2100,
    pagingDependencies: ['storage', 'sql', 'keyvault', 'graph'],
    pagingPolicy: { storage: 'required', sql: 'required', keyvault: 'required', graph: 'any' },
    summary: { instances: 1, monitored: 1, healthy: 0, degraded: 0, down: 1, unknown: 0, notMonitored: 0 },
    instances: [instance],
    subscriptionFailures: [],
    drift: [
      {
        group: `fleet${evil}`,
        members: [
          {
            instance: id,
            apimService: `apim-${evil}`,
            location: 'westeurope',
            drifted: { flows: true },
            differences: [{ aspect: 'flows', key: `outbound Sql 1433 ${evil}`, value: 'denied', expected: 'allowed', expectedFrom: [`other${evil}/westeurope`] }],
          },
        ],
      },
    ],
    unresolvedTargets: [],
  };
}

export const CRAFTED_NOW = new Date('2030-01-01T12:00:00.000Z');
