import express, { type ErrorRequestHandler, type Router } from 'express';
import { z } from 'zod';
import { faultSchema, parseWorld, type ArmResource, type Fault, type World } from '../world.js';
import { JSON_CONTENT_TYPE } from './respond.js';
import { changeRowFor, type ChangeActor } from './changes.js';
import { applyWrite } from './children.js';
import { tenantOf } from './subscriptions.js';
import type { SimulatorState } from './state.js';

const faultsSchema = z.array(faultSchema);

export interface ControlHooks {
  state: SimulatorState;
  setWorld(w: World): void;
  setFaults(f: Fault[]): void;
}

function sendPlainJson(res: express.Response, status: number, body: unknown): void {
  res.status(status).setHeader('Content-Type', JSON_CONTENT_TYPE);
  res.end(JSON.stringify(body));
}

/**
 * `/_simulator/*`: lets a test drive a simulator running in another process. No auth, no api-version,
 * no faults: these are not ARM. Worlds can be tens of MB, hence the parser limit (on these routes only).
 */
export function controlRoutes(hooks: ControlHooks): Router {
  const router = express.Router({ caseSensitive: false });
  router.use(express.json({ limit: '1gb', strict: false }));

  router.get('/world', (_req, res) => sendPlainJson(res, 200, hooks.state.world));
  router.put('/world', (req, res) => {
    let world: World;
    try {
      world = parseWorld(req.body, 'the request body');
    } catch (err) {
      sendPlainJson(res, 400, { error: { code: 'InvalidWorld', message: (err as Error).message } });
      return;
    }
    hooks.setWorld(world);
    sendPlainJson(res, 200, { resources: world.resources.length, faults: world.faults.length });
  });

  // An ARM write: the resource (an ARM body with its "id") replaces the one with that ID, or is added (a child
  // ARM keeps inside its parent, into the parent's body), and Resource Graph's `resourcechanges` records it (who: the x-simulator-changed-by* and -client-type headers).
  router.put('/resource', (req, res) => {
    const body = req.body as { id?: unknown } | undefined;
    if (typeof body !== 'object' || body === null || typeof body.id !== 'string' || body.id === '') {
      sendPlainJson(res, 400, { error: { code: 'InvalidResource', message: 'the body must be one ARM resource body with its "id"' } });
      return;
    }
    const resource = body as ArmResource;
    const world = hooks.state.world;
    // A subnet, rule or route is written into its parent's body too, and a parent's write into its stored children (children.ts).
    const { resources, before } = applyWrite(world.resources, resource);
    const actor: ChangeActor = {};
    if (req.get('x-simulator-changed-by')) actor.changedBy = req.get('x-simulator-changed-by')!;
    if (req.get('x-simulator-changed-by-type')) actor.changedByType = req.get('x-simulator-changed-by-type')!;
    if (req.get('x-simulator-client-type')) actor.clientType = req.get('x-simulator-client-type')!;
    const row = changeRowFor(before, resource, actor, tenantOf(world), new Date());
    hooks.setWorld({ ...world, resources, resourceChanges: [...((world.resourceChanges ?? []) as unknown[]), row] });
    sendPlainJson(res, 200, { id: resource.id, replaced: before !== undefined, change: row.id });
  });

  router.get('/faults', (_req, res) => sendPlainJson(res, 200, hooks.state.faults()));
  router.put('/faults', (req, res) => {
    const parsed = faultsSchema.safeParse(req.body);
    if (!parsed.success) {
      const message = parsed.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`).join('; ');
      sendPlainJson(res, 400, { error: { code: 'InvalidFaults', message: `the body must be an array of faults: ${message}` } });
      return;
    }
    hooks.setFaults(parsed.data);
    sendPlainJson(res, 200, { faults: parsed.data.length });
  });

  router.get('/stats', (_req, res) => sendPlainJson(res, 200, { requests: hooks.state.requests }));

  router.use((req, res) => {
    sendPlainJson(res, 404, { error: { code: 'NotFound', message: `no control endpoint ${req.method} ${req.originalUrl}` } });
  });

  // Body-parser failures (bad JSON, too large) carry their HTTP status.
  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    const status = typeof err?.status === 'number' && err.status >= 400 && err.status < 600 ? err.status : 500;
    sendPlainJson(res, status, { error: { code: status === 500 ? 'InternalServerError' : 'BadRequest', message: String(err?.message ?? err) } });
  };
  router.use(onError);
  return router;
}
