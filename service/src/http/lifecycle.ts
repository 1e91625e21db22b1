import type { ReadinessCheck } from '../db/readiness.js';
import {
  livenessOutput,
  notReadyOutput,
  openApiOutput,
  readyOutput,
  versionOutput,
} from '../schemas/system.js';
import type { VersionInfo } from '../version.js';
import type { Api } from './api.js';
import { Answer } from './route.js';

/** Whether the process is shutting down: readiness answers 503 from the moment SIGTERM arrives. */
export class Lifecycle {
  draining = false;
}

const TAG = 'System';

/** /health/live (no dependencies), /health/ready (the ALB's check), /version and /openapi.json. */
export function registerLifecycle(
  api: Api,
  readiness: ReadinessCheck,
  lifecycle: Lifecycle,
  version: VersionInfo,
  openApi: () => Record<string, unknown>,
): void {
  api.route({
    method: 'get',
    path: '/health/live',
    operationId: 'getLiveness',
    tag: TAG,
    summary: 'The process is up (no dependency is checked)',
    access: 'public',
    status: 200,
    response: livenessOutput,
    usesDatabase: false,
    handle: () => ({ status: 'ok' }),
  });
  api.route({
    method: 'get',
    path: '/health/ready',
    operationId: 'getReadiness',
    tag: TAG,
    summary: 'Ready for traffic: the primary database answers and has every migration this code needs',
    access: 'public',
    status: 200,
    response: readyOutput,
    responses: {
      503: {
        description:
          'draining (shutting down: take this instance out of service) or unavailable (with the reason)',
        schema: notReadyOutput,
      },
    },
    usesDatabase: false,
    headers: { 'Cache-Control': 'no-store' },
    handle: async () => {
      if (lifecycle.draining) return new Answer(503, { status: 'draining' });
      const result = await readiness.check();
      return result.ready
        ? { status: 'ready' }
        : new Answer(503, { status: 'unavailable', detail: result.reason });
    },
  });
  api.route({
    method: 'get',
    path: '/version',
    operationId: 'getVersion',
    tag: TAG,
    summary: 'The version, the commit being served and when this process started',
    access: 'public',
    status: 200,
    response: versionOutput,
    usesDatabase: false,
    handle: () => version,
  });
  api.route({
    method: 'get',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    tag: TAG,
    summary: 'This document (rendered at /docs)',
    access: 'public',
    status: 200,
    response: openApiOutput,
    usesDatabase: false,
    handle: openApi,
  });
}
