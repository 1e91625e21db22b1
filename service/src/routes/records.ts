import { z } from 'zod';
import type { Database } from '../db/database.js';
import type { ListFilter } from '../db/list-query.js';
import type { Role } from '../db/models.js';
import {
  createRecord,
  deleteRecord,
  getRecord,
  listRecords,
  type RecordKind,
  updateRecord,
} from '../domain/records.js';
import type { Api } from '../http/api.js';
import type { Access, AnyObject } from '../http/route.js';
import { idParams, listOf, pagination } from '../schemas/fields.js';
import { pageJson } from './present.js';

export interface RecordRoutes<Row, Json, Q extends AnyObject> {
  kind: RecordKind<Row>;
  /** `/cars` */
  path: string;
  /** Plural, capitalised: `Cars`; also the operationIds' nouns (`listCars`, `getCar`). */
  tag: string;
  /** Singular, capitalised: `Car`. */
  noun: string;
  output: z.ZodType<Json>;
  /** The row as the API shows it. */
  toJson(row: Row): Json;
  create: AnyObject;
  patch: AnyObject;
  access: { read: Access; create: readonly Role[]; update: readonly Role[]; delete: readonly Role[] };
  listQuery?: Q;
  filters?: (query: z.output<Q>) => ListFilter<Row>[];
}

const defaultListQuery = z.strictObject({ ...pagination });

/** GET list, GET one, POST, PATCH and DELETE for one plain resource. */
export function registerRecordRoutes<Row, Json, Q extends AnyObject>(
  api: Api,
  db: Database,
  spec: RecordRoutes<Row, Json, Q>,
): void {
  const { kind, path, tag, noun, output, toJson } = spec;
  /** What the routes on one record share: its path by id, the tag, the id parameter. */
  const onOne = { path: `${path}/{id}`, tag, params: idParams } as const;
  api.route({
    method: 'get',
    path,
    operationId: `list${tag}`,
    tag,
    summary: `List ${tag.toLowerCase()}`,
    access: spec.access.read,
    query: (spec.listQuery ?? defaultListQuery) as AnyObject,
    status: 200,
    response: listOf(output),
    handle: async ({ query }) => {
      const { limit, offset, ...filters } = query as { limit: number; offset: number };
      const page = { limit, offset };
      return pageJson(
        await listRecords(db, kind, spec.filters?.(filters as z.output<Q>) ?? [], page),
        toJson,
        page,
      );
    },
  });
  api.route({
    method: 'get',
    operationId: `get${noun}`,
    ...onOne,
    summary: `Get one ${kind.name}`,
    access: spec.access.read,
    status: 200,
    response: output,
    errors: [404],
    handle: async ({ params }) => toJson(await getRecord(db, kind, params.id)),
  });
  api.route({
    method: 'post',
    path,
    operationId: `create${noun}`,
    tag,
    summary: `Create a ${kind.name}`,
    access: spec.access.create,
    body: spec.create,
    status: 201,
    response: output,
    errors: kind.unique ? [409] : [],
    location: (created) => `${path}/${created.id}`,
    handle: async ({ body }) => toJson(await createRecord(db, kind, body as Partial<Row>)),
  });
  api.route({
    method: 'patch',
    operationId: `update${noun}`,
    ...onOne,
    summary: `Change a ${kind.name}`,
    access: spec.access.update,
    body: spec.patch,
    status: 200,
    response: output,
    errors: [404, 409],
    handle: async ({ params, body }) => toJson(await updateRecord(db, kind, params.id, body as Partial<Row>)),
  });
  api.route({
    method: 'delete',
    operationId: `delete${noun}`,
    ...onOne,
    summary: `Delete a ${kind.name} (409 while something refers to it)`,
    access: spec.access.delete,
    status: 204,
    errors: [404, 409],
    handle: ({ params }) => deleteRecord(db, kind, params.id),
  });
}
