import { afterEach, describe, expect, it, vi } from 'vitest';
import { reportFatal } from '../src/cli/errors.js';
import { ERROR_CODES, UserError } from '../src/errors.js';
import { APIM_SKUS, PLATFORM_VERSIONS } from '../src/model/apim-names.js';
import { runCli } from './helpers/processes.js';

function stderrOf(run: () => void): string {
  const written: string[] = [];
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  try {
    run();
  } finally {
    spy.mockRestore();
  }
  return written.join('');
}

describe('reportFatal: one line per error, a stack trace only when debugging', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('a user error: its message and its code, no stack', () => {
    const text = stderrOf(() => reportFatal(new UserError(ERROR_CODES.WHATIF_INPUT, 'the NSG file x.json is not JSON; pass az network nsg show output')));
    expect(text).toBe('apim-netwatch: the NSG file x.json is not JSON; pass az network nsg show output [NETWATCH_WHATIF_INPUT]\n');
  });

  it('a bug: one line that says so and how to get the stack', () => {
    vi.stubEnv('APIM_NETWATCH_LOG_LEVEL', 'info');
    const text = stderrOf(() => reportFatal(new TypeError("Cannot read properties of undefined (reading 'map')\nmore")));
    expect(text.trim().split('\n')).toHaveLength(1);
    expect(text).toMatch(/internal error: Cannot read properties of undefined \(reading 'map'\) \[NETWATCH_INTERNAL\].*--debug/);
    expect(text).not.toMatch(/\n\s+at /);
  });

  it('APIM_NETWATCH_LOG_LEVEL=debug prints the stack', () => {
    vi.stubEnv('APIM_NETWATCH_LOG_LEVEL', 'debug');
    const text = stderrOf(() => reportFatal(new Error('boom')));
    expect(text).toMatch(/internal error: Error: boom\n\s+at /);
  });
});

const NSG = 'test/fixtures/whatif-inputs/az-nsg-show.json';

describe('enumerated options: an unknown value is a usage error (exit 2, one line, NETWATCH_USAGE, the accepted values)', () => {
  it.each([
    ['--platform', 'stv3', PLATFORM_VERSIONS],
    ['--sku', 'Foo', APIM_SKUS],
    ['--vnet-type', 'bogus', ['internal', 'external']],
    ['--output', 'yaml', ['table', 'json']],
  ])('whatif %s %s', async (option, value, accepted) => {
    const result = await runCli(['whatif', '--nsg', NSG, option, value]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^apim-netwatch: option '.*/);
    expect(result.stderr).toContain(option);
    expect(result.stderr).toContain(`'${value}'`);
    expect(result.stderr).toContain(`Allowed choices are ${accepted.join(', ')}.`);
    expect(result.stderr.trim()).toMatch(/\[NETWATCH_USAGE\]$/);
  }, 60_000);

  it('SKU and platform in any letter case are taken, spelled as ARM writes them', async () => {
    const result = await runCli(['whatif', '--nsg', NSG, '--sku', 'premiumv2', '--platform', 'STV2.1', '-o', 'json']);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout).requirements_tier).toBe('v2');
  }, 60_000);

  it('an unknown option and its suggestion: still one line with the code', async () => {
    const result = await runCli(['whatif', '--nsg', NSG, '--platfrom', 'stv1']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("apim-netwatch: unknown option '--platfrom' (Did you mean --platform?) [NETWATCH_USAGE]\n");
  }, 60_000);
});
