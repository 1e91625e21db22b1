import type { Client } from '../test/kit/client.js';
import { createCar, createCustomer, createSalesperson } from '../test/kit/fixtures.js';

export interface Seed {
  /** Cars still in stock, one per sale the benchmark will make. */
  carsForSale: number[];
  customerId: number;
  salespersonId: number;
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` in flight; returns results in order. */
async function inParallel<T>(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

const MAKES = ['Toyota', 'Honda', 'Ford', 'Volkswagen', 'BMW', 'Kia', 'Mazda', 'Subaru'];

/** Seeds through the public API: `listedCars` plain cars plus `sales` cars to sell, a customer and a salesperson. */
export async function seed(api: Client, listedCars: number, sales: number): Promise<Seed> {
  const [customer, salesperson] = await Promise.all([createCustomer(api), createSalesperson(api)]);
  const cars = await inParallel(listedCars + sales, 16, (i) =>
    createCar(api, {
      make: MAKES[i % MAKES.length],
      year: 2010 + (i % 15),
      listPrice: `${15_000 + (i % 40) * 750}.00`,
    }),
  );
  return {
    carsForSale: cars.slice(listedCars).map((car) => car.id),
    customerId: customer.id,
    salespersonId: salesperson.id,
  };
}
