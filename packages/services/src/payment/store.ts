import type { PartMigration } from '@honnin/runtime';

/**
 * The provider's own tables. Card numbers and security codes are never
 * stored: a payment keeps the brand, the last 4 digits and the expiry.
 */
export interface PaymentDB {
  payment: {
    id: string;
    merchant: string;
    order_id: string;
    amount: number;
    description: string;
    return_url: string;
    /** pending | succeeded | failed | canceled */
    status: string;
    /** ties the hosted pages' forms to this checkout */
    form_token: string;
    card_brand: string | null;
    card_last4: string | null;
    card_expiry: string | null;
    failure: string | null;
    created_at: number;
    paid_at: number | null;
  };
}

export const paymentMigrations: Record<string, PartMigration<PaymentDB>> = {
  '001_payments': {
    async up(db) {
      await db.schema
        .createTable('payment')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('merchant', 'text', (c) => c.notNull())
        .addColumn('order_id', 'text', (c) => c.notNull())
        .addColumn('amount', 'integer', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('return_url', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('form_token', 'text', (c) => c.notNull())
        .addColumn('card_brand', 'text')
        .addColumn('card_last4', 'text')
        .addColumn('card_expiry', 'text')
        .addColumn('failure', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('paid_at', 'bigint')
        .execute();
    },
  },
};
