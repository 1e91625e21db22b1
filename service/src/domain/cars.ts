import type { ListFilter } from '../db/list-query.js';
import type { CarRow } from '../db/models.js';
import { conflict } from './errors.js';
import type { RecordKind } from './records.js';

export const cars: RecordKind<CarRow> = {
  name: 'car',
  table: (models) => models.Car,
  unique: { attribute: 'serialNumber', label: 'serial number' },
  checkUpdate(current, patch) {
    if (patch.status !== undefined && current.status === 'sold') {
      throw conflict(`car ${current.id} is sold; its status follows its invoice`);
    }
  },
};

export interface CarFilters {
  status?: CarRow['status'];
  serialNumber?: string;
  make?: string;
  model?: string;
  year?: number;
  minPrice?: string;
  maxPrice?: string;
}

/** make and model match whole words case-insensitively, the same on MySQL and SQLite. */
export function carFilters(filters: CarFilters): ListFilter<CarRow>[] {
  const list: ListFilter<CarRow>[] = [];
  if (filters.status) list.push({ attribute: 'status', comparison: 'equals', value: filters.status });
  if (filters.serialNumber) {
    list.push({ attribute: 'serialNumber', comparison: 'equals', value: filters.serialNumber });
  }
  if (filters.year !== undefined) list.push({ attribute: 'year', comparison: 'equals', value: filters.year });
  if (filters.make) list.push({ attribute: 'make', comparison: 'equalsIgnoringCase', value: filters.make });
  if (filters.model)
    list.push({ attribute: 'model', comparison: 'equalsIgnoringCase', value: filters.model });
  if (filters.minPrice !== undefined) {
    list.push({ attribute: 'listPrice', comparison: 'atLeast', value: filters.minPrice });
  }
  if (filters.maxPrice !== undefined) {
    list.push({ attribute: 'listPrice', comparison: 'atMost', value: filters.maxPrice });
  }
  return list;
}
