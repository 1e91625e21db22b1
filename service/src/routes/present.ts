import type { Page, PageRequest } from '../db/list-query.js';
import type { Timestamp } from '../db/models.js';

/** How the API shows a stored timestamp: ISO 8601 in UTC with milliseconds. */
export const iso = (value: Timestamp): string => new Date(value).toISOString();

/** A list answer: `{items, total, limit, offset}`. */
export function pageJson<Row, Json>(
  { rows, total }: Page<Row>,
  toJson: (row: Row) => Json,
  page: PageRequest,
): { items: Json[]; total: number; limit: number; offset: number } {
  return { items: rows.map(toJson), total, ...page };
}
