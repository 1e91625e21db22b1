import { z } from 'zod';
import { ROLES } from '../db/models.js';
import { idOutput, text } from './fields.js';

export const tokenCreate = z.strictObject({ role: z.enum(ROLES), name: text(100) });

export const tokenOutput = z.object({
  id: idOutput(),
  token: z.string().meta({ description: 'shown once; only its hash is stored' }),
  role: z.enum(ROLES),
  name: z.string(),
});
