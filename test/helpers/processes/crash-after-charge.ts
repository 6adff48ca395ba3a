/**
 * A process that dies between a gateway's answer and the transaction that records it: it
 * reserves a payment (tx1), charges the gateway, prints the gateway's answer and kills itself
 * with SIGKILL before tx2. Run by test/scenarios/failure-crash.test.ts with BILLOW_CHILD =
 * { poolConfig, kind, tenant, input } as JSON, `input` being collectPayment's input.
 */
import pg from 'pg';
import { ManualClock } from '../../../src/core/clock.js';
import { createDb, type Db } from '../../../src/db/db.js';
import { systemCtx, type TenantInfo } from '../../../src/modules/context.js';
import { chargeAtGateway } from '../../../src/modules/payments/record.js';
import { type CollectInput, reservePayment } from '../../../src/modules/payments/service.js';
import { wireModules } from '../../../src/modules/wiring.js';

const child = JSON.parse(process.env.BILLOW_CHILD ?? '{}') as {
  poolConfig: pg.PoolConfig;
  kind: Db['kind'];
  tenant: TenantInfo;
  clockMs: number;
  input: CollectInput;
};
wireModules();
const db = createDb(new pg.Pool({ ...child.poolConfig, max: 2 }), child.kind);
// The parent's clock (a test's ManualClock), so that business dates agree.
const ctx = systemCtx(db, new ManualClock(new Date(child.clockMs)), child.tenant);
const { row, method } = await reservePayment(ctx, child.input);
const answer = await chargeAtGateway(ctx, row, method);
// Pipes are written synchronously on POSIX: the line is out before the process dies.
process.stdout.write(`${JSON.stringify({ paymentId: row.id, answer })}\n`);
process.kill(process.pid, 'SIGKILL');
