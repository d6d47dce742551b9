import { isTemplateExpression } from '../../model/template-expression.js';

/**
 * The values of NSG rule fields that the analysis must understand to judge a flow: port ranges and
 * template expressions. A value it cannot read is never silently skipped: callers get the reason and
 * turn the flows the rule could decide into `unknown`.
 */

export interface PortRange {
  low: number;
  high: number;
}

const MAX_PORT = 65535;


/** `*`, `443`, `1000-2000` as a range; anything else as the reason it is not one. */
export function parsePortRange(text: string): PortRange | string {
  const value = text.trim();
  if (value === '*') return { low: 0, high: MAX_PORT };
  if (isTemplateExpression(value)) return `"${value}" is an ARM template expression, which cannot be evaluated here`;
  const match = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(value);
  if (!match) return `"${value}" is not a port (0-${MAX_PORT}) or a range such as 1000-2000`;
  const low = Number(match[1]);
  const high = match[2] === undefined ? low : Number(match[2]);
  if (high > MAX_PORT) return `"${value}" is beyond the last port, ${MAX_PORT}`;
  if (low > high) return `"${value}" is a range that ends before it starts`;
  return { low, high };
}

export const portInRange = (range: PortRange, port: number): boolean => port >= range.low && port <= range.high;

export const isAnyPortRange = (text: string): boolean => {
  const range = parsePortRange(text);
  return typeof range !== 'string' && range.low === 0 && range.high === MAX_PORT;
};
