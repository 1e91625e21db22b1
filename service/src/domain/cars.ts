import { col, fn, Op, where as sqlWhere, type WhereOptions } from 'sequelize';
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
export function carWhere(filters: CarFilters): WhereOptions {
  const conditions: WhereOptions[] = [];
  if (filters.status) conditions.push({ status: filters.status });
  if (filters.serialNumber) conditions.push({ serialNumber: filters.serialNumber });
  if (filters.year !== undefined) conditions.push({ year: filters.year });
  if (filters.make) conditions.push(sqlWhere(fn('lower', col('make')), filters.make.toLowerCase()));
  if (filters.model) conditions.push(sqlWhere(fn('lower', col('model')), filters.model.toLowerCase()));
  if (filters.minPrice !== undefined) conditions.push({ listPrice: { [Op.gte]: filters.minPrice } });
  if (filters.maxPrice !== undefined) conditions.push({ listPrice: { [Op.lte]: filters.maxPrice } });
  return { [Op.and]: conditions };
}
