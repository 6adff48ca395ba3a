/**
 * Module wiring (issue 9): the books do not depend on which files a process imported. A process
 * that imports only the invoices module's service sees the same balance as the API, credits and
 * the reservations of pending payments included.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadTenant } from '../../src/modules/tenants/service.js';
import { useTenant } from '../helpers/app.js';
import { created, invoiceOnlyCustomer, postedInvoice } from '../helpers/billing.js';
import { useHarness } from '../helpers/harness.js';
import { CARD_PENDING, cardBody, saveMethod } from '../helpers/payment-methods.js';
import { pay } from '../helpers/payments.js';

const run = promisify(execFile);
const CHILD = join(import.meta.dirname, '../helpers/processes/invoice-only.ts');

const h = useHarness();
const t = useTenant(h);

describe('a process that imports only the invoices service', () => {
  it('sees the credits and the pending payments of an invoice', async () => {
    const cus = await invoiceOnlyCustomer(t);
    const inv = await postedInvoice(t, cus, 10_000);
    await created(
      t.api.post('/api/v1/credit-memos', {
        customer_id: cus,
        amount: 2000,
        reason: 'Outage',
        invoice_id: inv,
      }),
    );
    const card = await saveMethod(t, cus, cardBody(CARD_PENDING));
    const payment = await pay(t, cus, card.id, 3000, {
      allocations: [{ invoice_id: inv, amount: 3000 }],
    });
    expect(payment.status).toBe('pending');
    const viaApi = (await t.api.get(`/api/v1/invoices/${inv}`)).body;
    expect(viaApi).toMatchObject({ credits_applied: 2000, amount_paid: 0, balance: 8000 });

    const tenant = await loadTenant(h.testDb.db, t.id);
    const { stdout } = await run(process.execPath, ['--import', 'tsx', CHILD], {
      env: {
        ...process.env,
        BILLOW_CHILD: JSON.stringify({
          poolConfig: h.testDb.poolConfig,
          kind: h.testDb.db.kind,
          tenant,
          invoiceId: inv,
          // Open: 10 000 − 2000 credited − 3000 held by the pending payment = 5000.
          credit: 5001,
        }),
      },
      timeout: 60_000,
    });
    const child = JSON.parse(stdout) as { invoice: Record<string, unknown>; refusal: unknown };
    expect(child.invoice).toMatchObject({
      id: inv,
      credits_applied: viaApi.credits_applied,
      amount_paid: viaApi.amount_paid,
      balance: viaApi.balance,
      status: viaApi.status,
    });
    expect(child.refusal).toMatchObject({
      code: 'adjustment_exceeds_balance',
      details: { balance: 8000, reserved: 3000 },
    });
    // Nothing changed: the refused credit left the invoice as it was.
    expect((await t.api.get(`/api/v1/invoices/${inv}`)).body.balance).toBe(8000);
  }, 90_000);
});
