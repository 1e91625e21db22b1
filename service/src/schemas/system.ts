import { z } from 'zod';

export const livenessOutput = z.object({ status: z.literal('ok') });

export const readyOutput = z.object({ status: z.literal('ready') });
export const notReadyOutput = z.union([
  z.object({ status: z.literal('draining') }),
  z.object({
    status: z.literal('unavailable'),
    detail: z.string().meta({ examples: ['the primary database is unreachable'] }),
  }),
]);

export const versionOutput = z.object({
  version: z.string().meta({ examples: ['1.0.0'] }),
  commit: z.string().meta({ description: 'the commit being served', examples: ['9281361'] }),
  startedAt: z.string().meta({ format: 'date-time' }),
});

export const openApiOutput = z
  .looseObject({ openapi: z.string() })
  .meta({ description: 'an OpenAPI 3.1 document' });
