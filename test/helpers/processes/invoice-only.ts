/**
 * A process that imports the invoices module's service and nothing else of Billow's modules (no
 * payments, no credits, no wiring): it prints one invoice as that service sees it, and what it
 * answers to a credit adjustment of `credit` (which must respect what payments reserve).
 * Run by test/api/wiring.test.ts with BILLOW_CHILD = { poolConfig, kind, tenantId, invoiceId,
 * credit } as JSON.
 */
import pg from 'pg';
import { systemClock } from '../../../src/core/clock.js';
import { isAppError } from '../../../src/core/errors.js';
import { createDb, type Db } from '../../../src/db/db.js';
import { systemCtx, type TenantInfo } from '../../../src/modules/context.js';
import { adjustInvoice, getInvoice } from '../../../src/modules/invoices/service.js';

const input = JSON.parse(process.env.BILLOW_CHILD ?? '{}') as {
  poolConfig: pg.PoolConfig;
  kind: Db['kind'];
  tenant: TenantInfo;
  invoiceId: string;
  credit: number;
};
const db = createDb(new pg.Pool({ ...input.poolConfig, max: 1 }), input.kind);
try {
  const ctx = systemCtx(db, systemClock, input.tenant);
  const invoice = await getInvoice(ctx, input.invoiceId);
  let refusal: unknown = null;
  try {
    await adjustInvoice(ctx, input.invoiceId, {
      kind: 'credit',
      amount: input.credit,
      reason: 'import-only check',
    });
  } catch (err) {
    if (!isAppError(err)) throw err;
    refusal = { code: err.code, details: err.details };
  }
  process.stdout.write(JSON.stringify({ invoice, refusal }));
} finally {
  await db.close();
}
