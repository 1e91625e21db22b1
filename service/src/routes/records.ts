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
import type { Access, AnyObject, Api } from '../http/api.js';
import { idParams, listOf, pagination } from '../schemas/fields.js';

export interface RecordRoutes<Row, Json, Q extends AnyObject> {
  kind: RecordKind<Row, Json>;
  /** `/cars` */
  path: string;
  tag: string;
  output: z.ZodType;
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
  const { kind, path, tag, output } = spec;
  const one = `${path}/{id}`;
  api.route({
    method: 'get',
    path,
    tag,
    summary: `List ${tag.toLowerCase()}`,
    access: spec.access.read,
    query: (spec.listQuery ?? defaultListQuery) as AnyObject,
    status: 200,
    response: listOf(output),
    handle: ({ query }) => {
      const { limit, offset, ...filters } = query as { limit: number; offset: number };
      return listRecords(db, kind, spec.filters?.(filters as z.output<Q>) ?? [], { limit, offset });
    },
  });
  api.route({
    method: 'get',
    path: one,
    tag,
    summary: `Get one ${kind.name}`,
    access: spec.access.read,
    params: idParams,
    status: 200,
    response: output,
    errors: [404],
    handle: ({ params }) => getRecord(db, kind, params.id),
  });
  api.route({
    method: 'post',
    path,
    tag,
    summary: `Create a ${kind.name}`,
    access: spec.access.create,
    body: spec.create,
    status: 201,
    response: output,
    errors: kind.unique ? [409] : [],
    location: (created) => `${path}/${created.id}`,
    handle: ({ body }) => createRecord(db, kind, body as Partial<Row>),
  });
  api.route({
    method: 'patch',
    path: one,
    tag,
    summary: `Change a ${kind.name}`,
    access: spec.access.update,
    params: idParams,
    body: spec.patch,
    status: 200,
    response: output,
    errors: [404, 409],
    handle: ({ params, body }) => updateRecord(db, kind, params.id, body as Partial<Row>),
  });
  api.route({
    method: 'delete',
    path: one,
    tag,
    summary: `Delete a ${kind.name} (409 while something refers to it)`,
    access: spec.access.delete,
    params: idParams,
    status: 204,
    errors: [404, 409],
    handle: ({ params }) => deleteRecord(db, kind, params.id),
  });
}
