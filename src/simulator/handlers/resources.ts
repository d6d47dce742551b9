import type { Request } from 'express';
import { invalidResourceType, resourceNotFound } from '../arm-errors.js';
import { pageOf } from '../paging.js';
import { idKey, type ArmPath } from './path.js';
import type { HandlerContext } from './state.js';
import { requireResourceGroup, requireSubscription } from './subscriptions.js';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Child resources that ARM also embeds in their parent (subnets in `properties.subnets`, NSG rules in
 * `properties.securityRules`, routes in `properties.routes`): the parent's array, matched on id, else name.
 */
function embeddedChildren(parent: Json | undefined, collection: string): Json[] | undefined {
  const props = parent?.properties;
  if (!isObject(props)) return undefined;
  const key = Object.keys(props).find((k) => k.toLowerCase() === collection.toLowerCase());
  const items = key === undefined ? undefined : props[key];
  return Array.isArray(items) ? items.filter(isObject) : undefined;
}

function parentOf(path: string): string {
  return path.split('/').slice(0, -2).join('/');
}

/** `GET <resource id>`: the stored body, else the copy embedded in its parent. */
function getResource(ctx: HandlerContext, p: ArmPath): unknown {
  const stored = ctx.state.resource(p.path);
  if (stored) return stored;
  const provider = p.provider ?? [];
  if (provider.length >= 5) {
    const [collection, name] = provider.slice(-2) as [string, string];
    const parent = ctx.state.resource(parentOf(p.path));
    const children = embeddedChildren(parent, collection);
    const key = idKey(p.path);
    const child =
      children?.find((c) => typeof c.id === 'string' && idKey(c.id) === key) ??
      children?.find((c) => typeof c.id !== 'string' && typeof c.name === 'string' && c.name.toLowerCase() === name.toLowerCase());
    if (child) return child;
  }
  throw resourceNotFound(p.path);
}

/** `GET <parent id>/<collection>`: stored children of that type, then embedded ones not stored. */
function listChildren(ctx: HandlerContext, p: ArmPath, req: Request): unknown {
  const parentId = p.path.split('/').slice(0, -1).join('/');
  const parent = ctx.state.resource(parentId);
  if (!parent) throw resourceNotFound(parentId);
  const prefix = idKey(p.path) + '/';
  const depth = p.segments.length + 1;
  const stored = ctx.state
    .resources()
    .filter((r) => r.id.toLowerCase().startsWith(prefix) && r.id.split('/').filter(Boolean).length === depth);
  const seen = new Set(stored.map((r) => idKey(r.id)));
  const embedded = (embeddedChildren(parent, p.segments.at(-1)!) ?? []).filter(
    (c) => typeof c.id !== 'string' || !seen.has(idKey(c.id)),
  );
  return pageOf([...stored, ...embedded], req, ctx.pageSize, ctx.origin);
}

/** `GET <scope>/providers/<Namespace>/<type>`: every resource of that type in a subscription or resource group. */
function listByType(ctx: HandlerContext, p: ArmPath, req: Request): unknown {
  const [namespace, type] = p.provider as [string, string];
  const subscriptionId = p.subscriptionId!;
  if (p.resourceGroup) requireResourceGroup(ctx.state, subscriptionId, p.resourceGroup);
  else requireSubscription(ctx.state, subscriptionId);
  return pageOf(ctx.state.list(p.scope!, `${namespace}/${type}`), req, ctx.pageSize, ctx.origin);
}

/** A resource group the world only implies (by resources inside it), placed where its first resource is. */
function synthesizedResourceGroup(ctx: HandlerContext, id: string, name: string): Json {
  const prefix = idKey(id) + '/';
  const inside = ctx.state.resources().find((r) => r.id.toLowerCase().startsWith(prefix));
  return {
    id,
    name,
    type: 'Microsoft.Resources/resourceGroups',
    location: typeof inside?.location === 'string' ? inside.location : 'westeurope',
    properties: { provisioningState: 'Succeeded' },
  };
}

/** Resource GETs and lists under `/subscriptions/{s}[/resourceGroups/{rg}]/providers/...`. */
export function routeResources(ctx: HandlerContext, p: ArmPath, req: Request): unknown {
  const provider = p.provider;
  if (!provider || !p.subscriptionId) {
    // `/subscriptions/{s}/resourceGroups/{rg}` is itself a resource a world may hold.
    if (p.resourceGroup && p.segments.length === 4) {
      requireResourceGroup(ctx.state, p.subscriptionId!, p.resourceGroup);
      return ctx.state.resource(p.path) ?? synthesizedResourceGroup(ctx, p.path, p.resourceGroup);
    }
    throw invalidResourceType(p.path);
  }
  if (provider.length < 2) throw invalidResourceType(p.path);
  if (provider.length === 2) return listByType(ctx, p, req);
  if (provider.length % 2 === 1) return getResource(ctx, p);
  return listChildren(ctx, p, req);
}
