import { afterEach, describe, expect, it, vi } from 'vitest';
import { reportFatal } from '../src/cli/errors.js';
import { ERROR_CODES, UserError } from '../src/errors.js';

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
