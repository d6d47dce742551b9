import { readFileSync } from 'node:fs';

function readVersion(): string {
  for (const path of ['../package.json', '../../package.json']) {
    try {
      return (JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as { version: string }).version;
    } catch {
      // tried from src/ (tsx) and dist/ (built): one of them holds package.json's parent
    }
  }
  return 'unknown';
}

export const VERSION = readVersion();
