import {
  DataTypes,
  type Model,
  type ModelAttributes,
  type ModelStatic,
  type Optional,
  type Sequelize,
} from 'sequelize';

/** DECIMAL columns come back as strings from MySQL and as numbers from SQLite. */
export type Decimal = string | number;
/** DATE(3) columns: a Date through a model; a plain query on SQLite gives its stored text. */
export type Timestamp = Date | string;

export type CarStatus = 'in_stock' | 'sold' | 'customer_owned';
export const ROLES = ['admin', 'sales', 'service'] as const;
export type Role = (typeof ROLES)[number];

export interface CarRow {
  id: number;
  serialNumber: string;
  make: string;
  model: string;
  year: number;
  color: string;
  condition: 'new' | 'used';
  listPrice: Decimal;
  status: CarStatus;
}
export interface CustomerRow {
  id: number;
  firstName: string;
  lastName: string;
  phone: string | null;
  email: string | null;
  address: string | null;
  city: string | null;
  state: string | null;
  zip: string | null;
}
export interface SalespersonRow {
  id: number;
  firstName: string;
  lastName: string;
  phone: string | null;
  commissionRate: Decimal;
}
export interface MechanicRow {
  id: number;
  firstName: string;
  lastName: string;
  hourlyRate: Decimal;
}
export interface PartRow {
  id: number;
  partNumber: string;
  description: string;
  unitPrice: Decimal;
  quantityOnHand: number;
}
export interface InvoiceRow {
  id: number;
  carId: number;
  customerId: number;
  salespersonId: number;
  salePrice: Decimal;
  soldAt: Timestamp;
}
export interface TicketRow {
  id: number;
  carId: number;
  customerId: number;
  complaint: string;
  status: 'open' | 'closed';
  openedAt: Timestamp;
  closedAt: Timestamp | null;
  laborTotal: Decimal | null;
  partsTotal: Decimal | null;
  total: Decimal | null;
}
export interface LaborLineRow {
  id: number;
  ticketId: number;
  mechanicId: number;
  hours: Decimal;
  hourlyRate: Decimal;
  amount: Decimal;
  description: string;
  createdAt: Timestamp;
}
export interface PartLineRow {
  id: number;
  ticketId: number;
  partId: number;
  quantity: number;
  unitPrice: Decimal;
  amount: Decimal;
  createdAt: Timestamp;
}
export interface TokenRow {
  id: number;
  name: string;
  role: Role;
  tokenHash: string;
  createdAt: Timestamp;
  revokedAt: Timestamp | null;
}

// biome-ignore lint/suspicious/noExplicitAny: any model's rows; the caller names the row type
export type AnyTable = ModelStatic<Model<any, any>>;

type Table<Row extends { id: number }> = ModelStatic<Model<Row, Optional<Row, 'id'>> & Row>;

export interface Models {
  sequelize: Sequelize;
  Car: Table<CarRow>;
  Customer: Table<CustomerRow>;
  Salesperson: Table<SalespersonRow>;
  Mechanic: Table<MechanicRow>;
  Part: Table<PartRow>;
  Invoice: Table<InvoiceRow>;
  Ticket: Table<TicketRow>;
  LaborLine: Table<LaborLineRow>;
  PartLine: Table<PartLineRow>;
  Token: Table<TokenRow>;
}

// Fresh objects for every attribute: Sequelize writes into attribute definitions (e.g. `field`).
const id = () => ({ type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true });
const text = (length: number, allowNull = false) => ({ type: DataTypes.STRING(length), allowNull });
const money = (allowNull = false) => ({ type: DataTypes.DECIMAL(12, 2), allowNull });
const reference = () => ({ type: DataTypes.INTEGER, allowNull: false });
const timestamp = (allowNull = false) => ({ type: DataTypes.DATE(3), allowNull });

function table<Row extends { id: number }>(
  sequelize: Sequelize,
  name: string,
  attributes: ModelAttributes<Model<Row, Optional<Row, 'id'>>>,
): Table<Row> {
  return sequelize.define(name, attributes, { tableName: name }) as Table<Row>;
}

/** The schema (column names and types) lives in migrations; these definitions map rows to camelCase. */
export function defineModels(sequelize: Sequelize): Models {
  return {
    sequelize,
    Car: table<CarRow>(sequelize, 'cars', {
      id: id(),
      serialNumber: text(64),
      make: text(64),
      model: text(64),
      year: { type: DataTypes.INTEGER, allowNull: false },
      color: text(32),
      condition: { ...text(8), field: 'car_condition' },
      listPrice: money(),
      status: text(16),
    }),
    Customer: table<CustomerRow>(sequelize, 'customers', {
      id: id(),
      firstName: text(100),
      lastName: text(100),
      phone: text(32, true),
      email: text(254, true),
      address: text(200, true),
      city: text(100, true),
      state: text(100, true),
      zip: text(16, true),
    }),
    Salesperson: table<SalespersonRow>(sequelize, 'salespeople', {
      id: id(),
      firstName: text(100),
      lastName: text(100),
      phone: text(32, true),
      commissionRate: { type: DataTypes.DECIMAL(5, 4), allowNull: false },
    }),
    Mechanic: table<MechanicRow>(sequelize, 'mechanics', {
      id: id(),
      firstName: text(100),
      lastName: text(100),
      hourlyRate: money(),
    }),
    Part: table<PartRow>(sequelize, 'parts', {
      id: id(),
      partNumber: text(64),
      description: text(255),
      unitPrice: money(),
      quantityOnHand: { type: DataTypes.INTEGER, allowNull: false },
    }),
    Invoice: table<InvoiceRow>(sequelize, 'invoices', {
      id: id(),
      carId: reference(),
      customerId: reference(),
      salespersonId: reference(),
      salePrice: money(),
      soldAt: timestamp(),
    }),
    Ticket: table<TicketRow>(sequelize, 'service_tickets', {
      id: id(),
      carId: reference(),
      customerId: reference(),
      complaint: text(1000),
      status: text(8),
      openedAt: timestamp(),
      closedAt: timestamp(true),
      laborTotal: { type: DataTypes.DECIMAL(16, 2), allowNull: true },
      partsTotal: { type: DataTypes.DECIMAL(16, 2), allowNull: true },
      total: { type: DataTypes.DECIMAL(16, 2), allowNull: true },
    }),
    LaborLine: table<LaborLineRow>(sequelize, 'ticket_labor_lines', {
      id: id(),
      ticketId: reference(),
      mechanicId: reference(),
      hours: { type: DataTypes.DECIMAL(6, 2), allowNull: false },
      hourlyRate: money(),
      amount: money(),
      description: text(1000),
      createdAt: timestamp(),
    }),
    PartLine: table<PartLineRow>(sequelize, 'ticket_part_lines', {
      id: id(),
      ticketId: reference(),
      partId: reference(),
      quantity: { type: DataTypes.INTEGER, allowNull: false },
      unitPrice: money(),
      amount: money(),
      createdAt: timestamp(),
    }),
    Token: table<TokenRow>(sequelize, 'api_tokens', {
      id: id(),
      name: text(100),
      role: text(16),
      tokenHash: { type: DataTypes.CHAR(64), allowNull: false },
      createdAt: timestamp(),
      revokedAt: timestamp(true),
    }),
  };
}
