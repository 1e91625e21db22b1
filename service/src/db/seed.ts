import { cars } from '../domain/cars.js';
import { parts } from '../domain/parts.js';
import { customers, mechanics, salespeople } from '../domain/people.js';
import { createRecord } from '../domain/records.js';
import { sellCar } from '../domain/sales.js';
import { openTicket } from '../domain/tickets.js';
import type { Database } from './database.js';

/**
 * Demo data for the embedded database, written once (when it has no cars) through the same domain
 * functions the API uses, so the demo obeys every business rule.
 */
export async function seedDemoData(db: Database): Promise<boolean> {
  if ((await db.primary.Car.count()) > 0) return false;
  const car = (
    serialNumber: string,
    make: string,
    model: string,
    year: number,
    listPrice: string,
    used = false,
  ) =>
    createRecord(db, cars, {
      serialNumber,
      make,
      model,
      year,
      color: 'silver',
      condition: used ? 'used' : 'new',
      listPrice,
      status: 'in_stock',
    });
  await car('1HGCM82633A004352', 'Honda', 'Accord', 2024, '28990.00');
  const prius = await car('JTDKB20U093456789', 'Toyota', 'Prius', 2023, '21500.00', true);
  await car('1FTFW1ET5EFC12345', 'Ford', 'F-150', 2025, '45995.00');
  await car('WBA8E9G51GNT12345', 'BMW', '330i', 2021, '27450.00', true);
  const broughtIn = await createRecord(db, cars, {
    serialNumber: '5YJ3E1EA7KF123456',
    make: 'Tesla',
    model: 'Model 3',
    year: 2019,
    color: 'red',
    condition: 'used',
    listPrice: '0.00',
    status: 'customer_owned',
  });
  const grace = await createRecord(db, customers, {
    firstName: 'Grace',
    lastName: 'Hopper',
    phone: '+1 555 0100',
    email: 'grace@example.com',
    city: 'Arlington',
    state: 'VA',
  });
  const alan = await createRecord(db, customers, {
    firstName: 'Alan',
    lastName: 'Turing',
    email: 'alan@example.com',
  });
  const sam = await createRecord(db, salespeople, {
    firstName: 'Sam',
    lastName: 'Seller',
    commissionRate: '0.0500',
  });
  await createRecord(db, salespeople, { firstName: 'Dana', lastName: 'Dealer', commissionRate: '0.0450' });
  await createRecord(db, mechanics, { firstName: 'Mia', lastName: 'Wrench', hourlyRate: '95.00' });
  await createRecord(db, mechanics, { firstName: 'Leo', lastName: 'Torque', hourlyRate: '85.00' });
  await createRecord(db, parts, {
    partNumber: 'OF-100',
    description: 'Oil filter',
    unitPrice: '12.50',
    quantityOnHand: 40,
  });
  await createRecord(db, parts, {
    partNumber: 'BP-220',
    description: 'Brake pads (front set)',
    unitPrice: '64.00',
    quantityOnHand: 12,
  });
  await sellCar(db, { carId: prius.id, customerId: grace.id, salespersonId: sam.id, salePrice: '20900.00' });
  await openTicket(db, { carId: broughtIn.id, customerId: alan.id, complaint: 'Squeaking brakes' });
  return true;
}
