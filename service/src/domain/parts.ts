import type { PartRow } from '../db/models.js';
import type { RecordKind } from './records.js';

export const parts: RecordKind<PartRow> = {
  name: 'part',
  table: (models) => models.Part,
  unique: { attribute: 'partNumber', label: 'part number' },
};
