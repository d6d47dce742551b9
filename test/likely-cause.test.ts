import { describe, expect, it } from 'vitest';
import { rollUpDependencies, judgeEndpoint } from '../src/analysis/analyse.js';
import { endpointPort, likelyCause } from '../src/analysis/likely-cause.js';
import type { RegionConfigReport } from '../src/analysis/network.js';
import type { FlowVerdict } from '../src/analysis/nsg/evaluate.js';
import { DEFAULT_PAGING_POLICY } from '../src/analysis/paging-policy.js';
import type { ConnectivityEntry } from '../src/model/snapshot.js';

const now = new Date('2026-11-22T12:00:00Z');
const policy = { staleAfterSeconds: 2100, paging: DEFAULT_PAGING_POLICY };
const entry = (resourceType: string, name: string, isOptional: boolean, status: string): ConnectivityEntry => ({
  name,
  resourceType,
  isOptional,
  status,
  error: status === 'failure' ? `Failed to connect to ${name}` : '',
  lastUpdated: now.toISOString(),
  lastStatusChange: now.toISOString(),
});

const storageFlow = (port: number, verdict: FlowVerdict['verdict'], decidedBy: string): FlowVerdict => ({
  direction: 'outbound',
  peer: 'Storage',
  port,
  protocol: 'Tcp',
  dependency: 'storage',
  required: port === 443,
  pages: port === 443,
  applies: true,
  verdict,
  decidedBy,
  decidingRules: [decidedBy],
});

/** An stv2 subnet whose NSG denies SMB (445) and allows Storage on 443. */
const config: RegionConfigReport = {
  state: 'ok',
  subnetChecks: [],
  flows: [storageFlow(443, 'allowed', 'AllowStorageHttps'), storageFlow(445, 'denied', 'DenySmbOutbound')],
  serviceEndpoints: [],
  dns: { vnet: [], networkStatus: [], consistent: true },
  findings: [],
};

function causeFor(failing: 'BlobStorage' | 'FileStorage') {
  const endpoints = [
    entry('BlobStorage', 'st.blob.core.windows.net', false, failing === 'BlobStorage' ? 'failure' : 'success'),
    entry('FileStorage', 'st.file.core.windows.net', true, failing === 'FileStorage' ? 'failure' : 'success'),
  ].map((e) => judgeEndpoint(e, now, policy));
  const down = rollUpDependencies(endpoints, policy).find((dependency) => !dependency.up)!;
  return likelyCause(down, endpoints, config);
}

describe('likelyCause uses the failing endpoint\'s own port', () => {
  it.each([
    ['st.blob.core.windows.net', 'BlobStorage', 443],
    ['st.file.core.windows.net', 'FileStorage', 445],
    ['x.database.windows.net', 'SQLDatabase', 1433],
    ['https://x.prod.microsoftmetrics.com:1886/RecoveryService', 'Metrics', 1886],
    ['https://apikv-x.vault.azure.net', 'AzureKeyVault', 443],
  ])('%s (%s) is reached on %i', (name, resourceType, port) => {
    const dependency = resourceType === 'SQLDatabase' ? 'sql' : resourceType === 'Metrics' ? 'monitoring' : resourceType === 'AzureKeyVault' ? 'keyvault' : 'storage';
    expect(endpointPort({ endpoint: name, resourceType, dependency })).toBe(port);
  });

  it('a failing Blob (443) is not blamed on a rule that denies SMB (445)', () => {
    expect(causeFor('BlobStorage')).toMatchObject({ kind: 'unknown' });
  });

  it('a failing file share (445) is', () => {
    expect(causeFor('FileStorage')).toEqual({ kind: 'nsg', decidedBy: 'DenySmbOutbound', summary: 'NSG rule DenySmbOutbound denies outbound Storage on Tcp 445' });
  });
});
