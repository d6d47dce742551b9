import type { InstanceReport } from '../analysis/report.js';
import type { Labels } from './exposition.js';

/**
 * The fleet's metric families, declared as pure functions of one instance's report
 * (kube-state-metrics style). Label names are a contract (docs/design.md, "Metrics"): extend, never rename.
 *
 * Every series carries the instance labels first (`INSTANCE_LABEL_NAMES`, with the region's
 * location), then the family's own `labelNames`, in that order. A family writes its series through
 * `emit(location, labelValues, value)`, `labelValues` in `labelNames` order, so that the renderer
 * can write lines without building a label object per series (see render.ts).
 */
export const INSTANCE_LABEL_NAMES = ['subscription_id', 'resource_group', 'apim_service', 'location'] as const;

export type RowSink = (location: string, labelValues: readonly string[], value: number) => void;

export interface FleetFamily {
  name: string;
  help: string;
  type: 'gauge';
  /** The family's own labels, written after the instance labels, in this order. */
  labelNames: readonly string[];
  /** Calls `emit` once per series, in a stable order; reads nothing but `instance`. */
  rows(instance: InstanceReport, emit: RowSink): void;
  /**
   * Reads what the fleet-wide analysis adds to an instance's report (drift) once every instance is in:
   * written from the complete report, not as each instance is judged.
   */
  fleetWide?: true;
}

/** The families an instance's own report decides, written as soon as it is judged ... */
export const ownFamily = (family: FleetFamily): boolean => !family.fleetWide;
/** ... and those that wait for the fleet-wide analysis. */
export const fleetWideFamily = (family: FleetFamily): boolean => family.fleetWide === true;

export const bool = (value: boolean): string => (value ? 'true' : 'false');

export function instanceLabels(instance: InstanceReport, location: string): Labels {
  return {
    subscription_id: instance.instance.subscriptionId,
    resource_group: instance.instance.resourceGroup,
    apim_service: instance.instance.name,
    location,
  };
}

