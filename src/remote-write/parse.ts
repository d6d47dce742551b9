import { StringDecoder } from 'node:string_decoder';

/**
 * Samples out of Prometheus text exposition 0.0.4, line by line, as /metrics serves them: what is pushed is
 * then exactly what a scrape reads. Comment lines (HELP, TYPE) carry no sample; a line's timestamp, which
 * neither this exposition nor prom-client writes, is ignored: every sample of a push gets the push's time.
 */

export interface Label {
  name: string;
  value: string;
}

export interface ParsedSample {
  /** `__name__` and the line's labels, sorted by name as remote-write wants them. */
  labels: Label[];
  value: number;
}

export class ExpositionParseError extends Error {
  override name = 'ExpositionParseError';
}

function parseValue(text: string, line: string): number {
  if (text === 'NaN') return Number.NaN;
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  const value = Number(text);
  if (text === '' || Number.isNaN(value)) throw new ExpositionParseError(`not a sample value: ${JSON.stringify(text)} in ${line.slice(0, 200)}`);
  return value;
}

/** Reads `name="value",...}` from `start` (just after `{`); returns the labels and the index after `}`. */
function parseLabels(line: string, start: number): { labels: Label[]; end: number } {
  const labels: Label[] = [];
  let i = start;
  while (i < line.length && line[i] !== '}') {
    const eq = line.indexOf('=', i);
    if (eq < 0 || line[eq + 1] !== '"') throw new ExpositionParseError(`malformed labels in ${line.slice(0, 200)}`);
    const name = line.slice(i, eq).trim();
    let value = '';
    let j = eq + 2;
    for (; j < line.length && line[j] !== '"'; j++) {
      if (line[j] === '\\') {
        const next = line[++j];
        value += next === 'n' ? '\n' : (next ?? '');
      } else value += line[j];
    }
    if (j >= line.length) throw new ExpositionParseError(`unterminated label value in ${line.slice(0, 200)}`);
    labels.push({ name, value });
    i = j + 1;
    if (line[i] === ',') i++;
  }
  if (line[i] !== '}') throw new ExpositionParseError(`labels not closed in ${line.slice(0, 200)}`);
  return { labels, end: i + 1 };
}

const byName = (a: Label, b: Label): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** One line's sample; undefined for a blank or comment line. */
export function parseSampleLine(line: string): ParsedSample | undefined {
  if (line === '' || line.startsWith('#')) return undefined;
  const brace = line.indexOf('{');
  const space = line.indexOf(' ');
  let labels: Label[] = [];
  let name: string;
  let rest: string;
  if (brace >= 0 && (space < 0 || brace < space)) {
    name = line.slice(0, brace);
    const parsed = parseLabels(line, brace + 1);
    labels = parsed.labels;
    rest = line.slice(parsed.end).trim();
  } else {
    if (space < 0) throw new ExpositionParseError(`a sample line without a value: ${line.slice(0, 200)}`);
    name = line.slice(0, space);
    rest = line.slice(space + 1).trim();
  }
  const value = parseValue(rest.split(' ')[0] ?? '', line);
  labels.push({ name: '__name__', value: name });
  return { labels: labels.sort(byName), value };
}

/**
 * Samples of a text arriving in chunks (a gunzip stream), yielded as each line completes, so that a fleet's
 * exposition (70 MB of text at 1,000 instances) is never held whole.
 */
export async function* samplesOf(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<ParsedSample> {
  // A chunk may end inside a character of several bytes: the decoder keeps its first bytes for the next.
  const decoder = new StringDecoder('utf8');
  let pending = '';
  for await (const chunk of chunks) {
    pending += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const sample = parseSampleLine(line);
      if (sample) yield sample;
    }
  }
  const last = parseSampleLine(pending + decoder.end());
  if (last) yield last;
}
