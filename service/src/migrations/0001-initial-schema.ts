import { DataTypes, type QueryInterface } from 'sequelize';

const id = () => ({ type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true, allowNull: false });
const text = (length: number, allowNull = false) => ({ type: DataTypes.STRING(length), allowNull });
const money = (allowNull = false) => ({ type: DataTypes.DECIMAL(12, 2), allowNull });
const timestamp = (allowNull = false) => ({ type: DataTypes.DATE(3), allowNull });
/** A foreign key that blocks deleting the row it points at (the API answers 409 then). */
const references = (table: string) => ({
  type: DataTypes.INTEGER,
  allowNull: false,
  references: { model: table, key: 'id' },
  onDelete: 'RESTRICT',
  onUpdate: 'RESTRICT',
});

export async function up({ context: queryInterface }: { context: QueryInterface }): Promise<void> {
  await queryInterface.createTable('cars', {
    id: id(),
    serial_number: text(64),
    make: text(64),
    model: text(64),
    year: { type: DataTypes.INTEGER, allowNull: false },
    color: text(32),
    car_condition: text(8),
    list_price: money(),
    status: text(16),
  });
  await queryInterface.addIndex('cars', ['serial_number'], {
    unique: true,
    name: 'cars_serial_number_unique',
  });
  await queryInterface.addIndex('cars', ['status'], { name: 'cars_status' });

  await queryInterface.createTable('customers', {
    id: id(),
    first_name: text(100),
    last_name: text(100),
    phone: text(32, true),
    email: text(254, true),
    address: text(200, true),
    city: text(100, true),
    state: text(100, true),
    zip: text(16, true),
  });
  await queryInterface.createTable('salespeople', {
    id: id(),
    first_name: text(100),
    last_name: text(100),
    phone: text(32, true),
    commission_rate: { type: DataTypes.DECIMAL(5, 4), allowNull: false },
  });
  await queryInterface.createTable('mechanics', {
    id: id(),
    first_name: text(100),
    last_name: text(100),
    hourly_rate: money(),
  });
  await queryInterface.createTable('parts', {
    id: id(),
    part_number: text(64),
    description: text(255),
    unit_price: money(),
    quantity_on_hand: { type: DataTypes.INTEGER, allowNull: false },
  });
  await queryInterface.addIndex('parts', ['part_number'], { unique: true, name: 'parts_part_number_unique' });

  await queryInterface.createTable('invoices', {
    id: id(),
    car_id: references('cars'),
    customer_id: references('customers'),
    salesperson_id: references('salespeople'),
    sale_price: money(),
    sold_at: timestamp(),
  });
  // One invoice per car: a second sale of a car fails here even if every other guard were missing.
  await queryInterface.addIndex('invoices', ['car_id'], { unique: true, name: 'invoices_car_id_unique' });
  await queryInterface.addIndex('invoices', ['salesperson_id', 'sold_at'], {
    name: 'invoices_salesperson_sold_at',
  });
  await queryInterface.addIndex('invoices', ['customer_id'], { name: 'invoices_customer_id' });

  await queryInterface.createTable('service_tickets', {
    id: id(),
    car_id: references('cars'),
    customer_id: references('customers'),
    complaint: text(1000),
    status: text(8),
    opened_at: timestamp(),
    closed_at: timestamp(true),
    labor_total: { type: DataTypes.DECIMAL(16, 2), allowNull: true },
    parts_total: { type: DataTypes.DECIMAL(16, 2), allowNull: true },
    total: { type: DataTypes.DECIMAL(16, 2), allowNull: true },
  });
  await queryInterface.addIndex('service_tickets', ['car_id', 'opened_at'], {
    name: 'service_tickets_car_opened',
  });
  await queryInterface.addIndex('service_tickets', ['customer_id'], { name: 'service_tickets_customer_id' });

  await queryInterface.createTable('ticket_labor_lines', {
    id: id(),
    ticket_id: references('service_tickets'),
    mechanic_id: references('mechanics'),
    hours: { type: DataTypes.DECIMAL(6, 2), allowNull: false },
    hourly_rate: money(),
    amount: money(),
    description: text(1000),
    created_at: timestamp(),
  });
  await queryInterface.addIndex('ticket_labor_lines', ['ticket_id'], {
    name: 'ticket_labor_lines_ticket_id',
  });
  await queryInterface.addIndex('ticket_labor_lines', ['mechanic_id'], {
    name: 'ticket_labor_lines_mechanic_id',
  });

  await queryInterface.createTable('ticket_part_lines', {
    id: id(),
    ticket_id: references('service_tickets'),
    part_id: references('parts'),
    quantity: { type: DataTypes.INTEGER, allowNull: false },
    unit_price: money(),
    amount: money(),
    created_at: timestamp(),
  });
  await queryInterface.addIndex('ticket_part_lines', ['ticket_id'], { name: 'ticket_part_lines_ticket_id' });
  await queryInterface.addIndex('ticket_part_lines', ['part_id'], { name: 'ticket_part_lines_part_id' });

  await queryInterface.createTable('api_tokens', {
    id: id(),
    name: text(100),
    role: text(16),
    token_hash: { type: DataTypes.CHAR(64), allowNull: false },
    created_at: timestamp(),
    revoked_at: timestamp(true),
  });
  await queryInterface.addIndex('api_tokens', ['token_hash'], {
    unique: true,
    name: 'api_tokens_token_hash_unique',
  });
}

export async function down({ context: queryInterface }: { context: QueryInterface }): Promise<void> {
  for (const table of [
    'api_tokens',
    'ticket_part_lines',
    'ticket_labor_lines',
    'service_tickets',
    'invoices',
    'parts',
    'mechanics',
    'salespeople',
    'customers',
    'cars',
  ]) {
    await queryInterface.dropTable(table);
  }
}
