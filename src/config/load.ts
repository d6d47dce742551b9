import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { configSchema, type Config } from './schema.js';
import { ERROR_CODES, UserError } from '../errors.js';

export class ConfigError extends UserError {
  override name = 'ConfigError';
  constructor(message: string) {
    super(ERROR_CODES.CONFIG_INVALID, message);
  }
}

/** A whole number written in decimal: `Number` would take `0x10`, `1e3` or ` 16 `. */
function integer(name: string): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value)) throw new ConfigError(`environment variable ${name}="${value}": expected a whole number in decimal digits, e.g. 9464; fix or unset it`);
    return Number(value);
  };
}

/** Environment variables that override the file, for containers (12-factor). */
const ENV_OVERRIDES: Array<[string, string[], (value: string) => unknown]> = [
  ['APIM_NETWATCH_AZURE_ENDPOINT', ['azure', 'endpoint'], (v) => v],
  ['APIM_NETWATCH_AZURE_CA_CERT_FILE', ['azure', 'caCertFile'], (v) => v],
  ['APIM_NETWATCH_SUBSCRIPTIONS', ['azure', 'subscriptions'], (v) => v.split(',').map((s) => s.trim()).filter(Boolean)],
  ['APIM_NETWATCH_INSTANCES', ['targets', 'instances'], (v) => v.split(',').map((s) => s.trim()).filter(Boolean)],
  ['APIM_NETWATCH_SCHEDULE', ['schedule'], (v) => v],
  ['APIM_NETWATCH_STALE_AFTER_SECONDS', ['staleAfterSeconds'], integer('APIM_NETWATCH_STALE_AFTER_SECONDS')],
  ['APIM_NETWATCH_PORT', ['server', 'port'], integer('APIM_NETWATCH_PORT')],
  ['APIM_NETWATCH_LOG_LEVEL', ['log', 'level'], (v) => v],
  ['APIM_NETWATCH_SHARD_INDEX', ['sharding', 'index'], integer('APIM_NETWATCH_SHARD_INDEX')],
  ['APIM_NETWATCH_SHARD_COUNT', ['sharding', 'count'], integer('APIM_NETWATCH_SHARD_COUNT')],
  ['APIM_NETWATCH_STATE_FILE', ['stateFile'], (v) => v],
];

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const key = issue.path.join('.') || '(top level)';
  if (issue.code === 'unrecognized_keys') {
    return `${key}: unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}; check the spelling against config.example.yaml`;
  }
  return `${key}: ${issue.message}`;
}

export function validateConfig(raw: unknown, source: string, env: NodeJS.ProcessEnv = process.env): Config {
  const document = raw ?? {};
  if (typeof document !== 'object' || Array.isArray(document)) {
    throw new ConfigError(`${source}: expected a YAML mapping of settings (see config.example.yaml)`);
  }
  const merged = structuredClone(document) as Record<string, unknown>;
  // An empty shard index (a pod-index label the cluster does not set) would silently make every replica shard 0.
  if (env.APIM_NETWATCH_SHARD_INDEX === '') {
    throw new ConfigError(
      'APIM_NETWATCH_SHARD_INDEX is set but empty: every replica would watch shard 0 and the other shards nobody; on Kubernetes the apps.kubernetes.io/pod-index label needs 1.28 or later',
    );
  }
  for (const [name, path, convert] of ENV_OVERRIDES) {
    const value = env[name];
    if (value !== undefined && value !== '') setPath(merged, path, convert(value));
  }
  const result = configSchema.safeParse(merged);
  if (!result.success) {
    // A value from the environment is blamed on its variable, not on the file.
    const fromEnv = new Map(ENV_OVERRIDES.filter(([name]) => env[name] !== undefined && env[name] !== '').map(([name, path]) => [path.join('.'), name]));
    const problems = result.error.issues
      .map((issue) => {
        const variable = fromEnv.get(issue.path.join('.')) ?? fromEnv.get(issue.path.slice(0, -1).join('.'));
        return `  - ${describeIssue(issue)}${variable ? ` (from the environment variable ${variable})` : ''}`;
      })
      .join('\n');
    throw new ConfigError(`invalid configuration in ${source}:\n${problems}`);
  }
  return result.data;
}

export function loadConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): Config {
  if (!file) return validateConfig({}, 'the defaults', env);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}; pass --config with a readable YAML file`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`config file ${file} is not valid YAML: ${(err as Error).message}`);
  }
  return validateConfig(raw, file, env);
}
