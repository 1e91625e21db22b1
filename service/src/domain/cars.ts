import type { ListFilter } from '../db/list-query.js';
import type { CarRow } from '../db/models.js';
import type { CarJson } from '../schemas/cars.js';
import { conflict } from './errors.js';
import { formatDecimal } from './money.js';
import type { RecordKind } from './records.js';

export const cars: RecordKind<CarRow, CarJson> = {
  name: 'car',
  table: (models) => models.Car,
  toJson: (row) => ({
    id: row.id,
    serialNumber: row.serialNumber,
    make: row.make,
    model: row.model,
    year: row.year,
    color: row.color,
    condition: row.condition,
    listPrice: formatDecimal(row.listPrice),
    status: row.status,
  }),
  unique: { attribute: 'serialNumber', label: 'serial number' },
  referencedBy: 'an invoice or a service ticket',
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
