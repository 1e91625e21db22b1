import type { Database } from './database.js';

/** Demo data for the embedded database, written once, when the database has no cars. */
export async function seedDemoData(db: Database): Promise<boolean> {
  return db.transaction(async (transaction, models) => {
    if ((await models.Car.count({ transaction })) > 0) return false;
    const options = { transaction };
    const cars = await models.Car.bulkCreate(
      [
        ['1HGCM82633A004352', 'Honda', 'Accord', 2024, 'silver', 'new', '28990.00', 'in_stock'],
        ['JTDKB20U093456789', 'Toyota', 'Prius', 2023, 'white', 'used', '21500.00', 'in_stock'],
        ['1FTFW1ET5EFC12345', 'Ford', 'F-150', 2025, 'blue', 'new', '45995.00', 'in_stock'],
        ['WBA8E9G51GNT12345', 'BMW', '330i', 2021, 'black', 'used', '27450.00', 'in_stock'],
        ['5YJ3E1EA7KF123456', 'Tesla', 'Model 3', 2019, 'red', 'used', '0.00', 'customer_owned'],
      ].map(([serialNumber, make, model, year, color, condition, listPrice, status]) => ({
        serialNumber: String(serialNumber),
        make: String(make),
        model: String(model),
        year: Number(year),
        color: String(color),
        condition: condition as 'new' | 'used',
        listPrice: String(listPrice),
        status: status as 'in_stock' | 'customer_owned',
      })),
      options,
    );
    const customers = await models.Customer.bulkCreate(
      [
        {
          firstName: 'Grace',
          lastName: 'Hopper',
          phone: '+1 555 0100',
          email: 'grace@example.com',
          address: '1 Navy Way',
          city: 'Arlington',
          state: 'VA',
          zip: '22201',
        },
        {
          firstName: 'Alan',
          lastName: 'Turing',
          phone: '+1 555 0101',
          email: 'alan@example.com',
          address: '2 Bletchley Rd',
          city: 'Princeton',
          state: 'NJ',
          zip: '08540',
        },
      ],
      options,
    );
    const [seller] = await models.Salesperson.bulkCreate(
      [
        { firstName: 'Sam', lastName: 'Seller', phone: '+1 555 0200', commissionRate: '0.0500' },
        { firstName: 'Dana', lastName: 'Dealer', phone: '+1 555 0201', commissionRate: '0.0450' },
      ],
      options,
    );
    await models.Mechanic.bulkCreate(
      [
        { firstName: 'Mia', lastName: 'Wrench', hourlyRate: '95.00' },
        { firstName: 'Leo', lastName: 'Torque', hourlyRate: '85.00' },
      ],
      options,
    );
    await models.Part.bulkCreate(
      [
        { partNumber: 'OF-100', description: 'Oil filter', unitPrice: '12.50', quantityOnHand: 40 },
        {
          partNumber: 'BP-220',
          description: 'Brake pads (front set)',
          unitPrice: '64.00',
          quantityOnHand: 12,
        },
        { partNumber: 'WB-018', description: 'Wiper blade 18 in', unitPrice: '9.75', quantityOnHand: 30 },
      ],
      options,
    );
    const soldCar = cars[1]!;
    await models.Invoice.create(
      {
        carId: soldCar.get('id'),
        customerId: customers[0]!.get('id'),
        salespersonId: seller!.get('id'),
        salePrice: '20900.00',
        soldAt: new Date(),
      },
      options,
    );
    await soldCar.update({ status: 'sold' }, options);
    await models.Ticket.create(
      {
        carId: cars[4]!.get('id'),
        customerId: customers[1]!.get('id'),
        complaint: 'Squeaking brakes',
        status: 'open',
        openedAt: new Date(),
        closedAt: null,
        laborTotal: null,
        partsTotal: null,
        total: null,
      },
      options,
    );
    return true;
  });
}
