/** The Azure regions the demo fleet runs in, and the resolver its VNets use. */

export interface Region {
  /** Display name, as APIM writes `location` ("West Europe"). */
  display: string;
  /** Short name, as the Network RP writes `location` ("westeurope"). */
  short: string;
}

export const WEST_EUROPE: Region = { display: 'West Europe', short: 'westeurope' };
export const NORTH_EUROPE: Region = { display: 'North Europe', short: 'northeurope' };

/** Azure's own resolver (the VNet has no custom DNS servers). */
export const AZURE_DNS = '168.63.129.16';
