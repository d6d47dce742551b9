import { accessSync, constants, existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConfigError } from '../config/load.js';
import type { ServiceTag, ServiceTagSet } from '../model/network.js';
import type { FleetSnapshot } from '../model/snapshot.js';

/**
 * The last snapshot on disk, so a restarted monitor serves the last known state at once. The raw
 * snapshot is kept, not the report: re-analysing it at load judges staleness against the clock of
 * the restart, so old data is never presented as fresh.
 */
const FORMAT = 'apim-netwatch/snapshot/v1';
/** Kept as Dates in a snapshot (NetworkStatus entries keep their timestamps as ISO strings). */
const DATE_KEYS = new Set(['takenAt', 'networkStatusFetchedAt']);

interface PersistedSnapshot extends Omit<FleetSnapshot, 'serviceTags'> {
  format: typeof FORMAT;
  serviceTags?: { changeNumber: string; source?: string; tags: ServiceTag[] };
}

export async function saveSnapshot(file: string, snapshot: FleetSnapshot): Promise<void> {
  const { serviceTags, ...rest } = snapshot;
  const persisted: PersistedSnapshot = {
    format: FORMAT,
    ...rest,
    ...(serviceTags ? { serviceTags: { changeNumber: serviceTags.changeNumber, ...(serviceTags.source ? { source: serviceTags.source } : {}), tags: [...serviceTags.tags.values()] } } : {}),
  };
  // Write then rename: a crash mid-write never leaves a truncated file behind.
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify(persisted));
  await rename(temporary, file);
}

export class SnapshotFileError extends Error {
  override name = 'SnapshotFileError';
}

/** Undefined when there is no file yet; throws SnapshotFileError when it is unusable. */
export async function loadSnapshot(file: string): Promise<FleetSnapshot | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SnapshotFileError(`cannot read ${file}: ${(err as Error).message}`);
  }
  let persisted: PersistedSnapshot;
  try {
    persisted = JSON.parse(text, (key, value: unknown) => (DATE_KEYS.has(key) && typeof value === 'string' ? new Date(value) : value)) as PersistedSnapshot;
  } catch (err) {
    throw new SnapshotFileError(`${file} is not a saved snapshot (${(err as Error).message}); delete it to start afresh`);
  }
  if (persisted?.format !== FORMAT || !Array.isArray(persisted.instances)) {
    throw new SnapshotFileError(`${file} is not a ${FORMAT} file; delete it to start afresh`);
  }
  const { format: _format, serviceTags, ...snapshot } = persisted;
  const restored: FleetSnapshot = snapshot;
  if (serviceTags) {
    const tags: ServiceTagSet = { changeNumber: serviceTags.changeNumber, tags: new Map(serviceTags.tags.map((tag) => [tag.name.toLowerCase(), tag])) };
    if (serviceTags.source) tags.source = serviceTags.source;
    restored.serviceTags = tags;
  }
  return restored;
}

/**
 * Fails at start-up, naming the key, when the state file cannot be written (a read-only root filesystem
 * without a volume there): found later, it would only be a warning after every poll.
 */
export function checkWritable(file: string): void {
  const target = existsSync(file) ? file : dirname(file);
  try {
    accessSync(target, constants.W_OK);
  } catch (err) {
    throw new ConfigError(
      `stateFile: cannot write ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message} on ${target}): mount a writable volume there (the Helm chart's persistence) or unset stateFile`,
    );
  }
}
