import { col, fn, Op } from 'sequelize';
import type { Database } from '../db/database.js';
import type { Decimal } from '../db/models.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface SalespersonSales {
  salespersonId: number;
  firstName: string;
  lastName: string;
  carsSold: number;
  revenue: Decimal;
}

/**
 * Cars sold and revenue per salesperson for the UTC days from `from` to `to`, both included (either may
 * be left open). Highest revenue first. Runs on a replica when one is usable.
 */
export function salesBySalesperson(
  db: Database,
  range: { from?: string; to?: string },
): Promise<SalespersonSales[]> {
  const soldAt = {
    ...(range.from ? { [Op.gte]: new Date(`${range.from}T00:00:00.000Z`) } : {}),
    ...(range.to ? { [Op.lt]: new Date(new Date(`${range.to}T00:00:00.000Z`).getTime() + DAY_MS) } : {}),
  };
  return db.read(async ({ Invoice, Salesperson }) => {
    const totals = (await Invoice.findAll({
      attributes: [
        'salespersonId',
        [fn('COUNT', col('id')), 'carsSold'],
        [fn('SUM', col('sale_price')), 'revenue'],
      ],
      where: range.from || range.to ? { soldAt } : {},
      group: ['salespersonId'],
      raw: true,
    })) as unknown as { salespersonId: number; carsSold: number | string; revenue: Decimal }[];
    const people = await Salesperson.findAll({
      where: { id: totals.map((total) => total.salespersonId) },
      attributes: ['id', 'firstName', 'lastName'],
    });
    const byId = new Map(people.map((person) => [person.get('id'), person]));
    return totals
      .map((total) => ({
        salespersonId: total.salespersonId,
        firstName: byId.get(total.salespersonId)?.get('firstName') ?? '',
        lastName: byId.get(total.salespersonId)?.get('lastName') ?? '',
        carsSold: Number(total.carsSold),
        revenue: total.revenue,
      }))
      .sort((a, b) => Number(b.revenue) - Number(a.revenue) || a.salespersonId - b.salespersonId);
  });
}
