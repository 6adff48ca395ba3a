/**
 * Global search (J1): customers through the customers service; contacts, invoices and
 * transactions by reading their owners' tables (a documented cross-module read, see
 * docs/architecture.md: a read-only module, one statement per kind, never a write). Each kind is
 * searched only if the role may read it, and each statement is bounded by `limit` and served by
 * the indexes of migrations 0002 and 0019.
 */
import { AppError } from '../../core/errors.js';
import { type Ctx, requirePermission } from '../context.js';
import { getCustomer, listCustomers } from '../customers/service.js';
import {
  type ContactHit,
  type CustomerHit,
  type InvoiceHit,
  readTerm,
  type SearchJump,
  type SearchKind,
  type SearchQuery,
  type SearchResults,
  type Term,
  type TransactionHit,
} from './model.js';

export async function search(ctx: Ctx, query: SearchQuery): Promise<SearchResults> {
  requirePermission(ctx, 'customers:read');
  const term = readTerm(query.q);
  const billing = ctx.permissions.has('billing:read');
  const [customers, contacts, invoices, transactions] = await Promise.all([
    searchCustomers(ctx, term, query.limit),
    searchContacts(ctx, term, query.limit),
    billing ? searchInvoices(ctx, term, query.limit) : [],
    billing ? searchTransactions(ctx, term, query.limit) : [],
  ]);
  const notSearched: SearchKind[] = billing ? [] : ['invoice', 'transaction'];
  return {
    q: term.text,
    jump: await jumpTo(ctx, term, billing, { customers, contacts, invoices, transactions }),
    customers,
    contacts,
    invoices,
    transactions,
    not_searched: notSearched,
  };
}

/**
 * An exact id of a kind the role may read, or an exact invoice number, opens that one thing.
 * The hit lists already hold it when it exists (ids and numbers are searched too), so no
 * further query is needed except for a customer id.
 */
async function jumpTo(
  ctx: Ctx,
  term: Term,
  billing: boolean,
  hits: Pick<SearchResults, 'customers' | 'contacts' | 'invoices' | 'transactions'>,
): Promise<SearchJump | null> {
  const id = term.id;
  if (id?.kind === 'customer') {
    const hit = hits.customers.find((c) => c.id === id.id);
    if (hit) return { kind: 'customer', id: hit.id, customer_id: hit.id };
    try {
      const c = await getCustomer(ctx, id.id);
      hits.customers.unshift(customerHit(c));
      return { kind: 'customer', id: c.id, customer_id: c.id };
    } catch (err) {
      if (err instanceof AppError && err.code === 'customer_not_found') return null;
      throw err;
    }
  }
  const pick = (
    kind: SearchKind,
    list: { id: string; customer_id: string }[],
    match: (h: { id: string }) => boolean,
  ): SearchJump | null => {
    const hit = list.find(match);
    return hit ? { kind, id: hit.id, customer_id: hit.customer_id } : null;
  };
  if (id?.kind === 'contact') return pick('contact', hits.contacts, (h) => h.id === id.id);
  if (!billing) return null;
  if (id?.kind === 'invoice') return pick('invoice', hits.invoices, (h) => h.id === id.id);
  if (id?.kind === 'transaction') {
    return pick('transaction', hits.transactions, (h) => h.id === id.id);
  }
  const upper = term.text.toUpperCase();
  const exact = hits.invoices.filter((h) => h.number?.toUpperCase() === upper);
  return exact.length === 1 && exact[0]
    ? { kind: 'invoice', id: exact[0].id, customer_id: exact[0].customer_id }
    : null;
}

function customerHit(c: CustomerHit): CustomerHit {
  return {
    id: c.id,
    number: c.number,
    name: c.name,
    billing_email: c.billing_email,
    status: c.status,
  };
}

async function searchCustomers(ctx: Ctx, term: Term, limit: number): Promise<CustomerHit[]> {
  const rows = await listCustomers(ctx, { q: term.text, limit });
  return rows.map(customerHit);
}

async function searchContacts(ctx: Ctx, term: Term, limit: number): Promise<ContactHit[]> {
  return ctx.db.query<ContactHit>(
    `SELECT k.id, k.customer_id, c.name AS customer_name, k.name, k.email, k.status
       FROM contacts k
       JOIN customers c ON c.tenant_id = k.tenant_id AND c.id = k.customer_id
      WHERE k.tenant_id = $1
        AND (k.id = $2 OR lower(k.name) LIKE $3 OR k.email LIKE $3)
      ORDER BY k.id DESC LIMIT $4`,
    [ctx.tenant.id, term.id?.id ?? null, term.pattern, limit],
  );
}

interface InvoiceRow extends Omit<InvoiceHit, 'total'> {
  total: string;
}

async function searchInvoices(ctx: Ctx, term: Term, limit: number): Promise<InvoiceHit[]> {
  // The exact number comes first even when many numbers contain the term.
  const rows = await ctx.db.query<InvoiceRow>(
    `WITH hit AS (
       (SELECT id, 0 AS rank FROM invoices
         WHERE tenant_id = $1 AND (id = $2 OR number IN ($3, upper($3))))
       UNION ALL
       (SELECT id, 1 FROM invoices
         WHERE tenant_id = $1 AND (lower(number) LIKE $4 OR lower(po_number) LIKE $4)
         ORDER BY id DESC LIMIT $5)
     )
     SELECT i.id, i.customer_id, c.name AS customer_name, i.number, i.po_number, i.status,
            i.total, to_char(i.invoice_date, 'YYYY-MM-DD') AS invoice_date
       FROM (SELECT id, min(rank) AS rank FROM hit GROUP BY id) h
       JOIN invoices i ON i.id = h.id
       JOIN customers c ON c.tenant_id = i.tenant_id AND c.id = i.customer_id
      ORDER BY h.rank, i.id DESC LIMIT $5`,
    [ctx.tenant.id, term.id?.id ?? null, term.text, term.pattern, limit],
  );
  return rows.map((r) => ({ ...r, total: Number(r.total) }));
}

interface TransactionRow extends Omit<TransactionHit, 'amount' | 'created_at'> {
  amount: string;
  created_at: Date;
}

async function searchTransactions(ctx: Ctx, term: Term, limit: number): Promise<TransactionHit[]> {
  // One bounded branch per reading of the term, each served by its own index.
  const params: unknown[] = [ctx.tenant.id, limit];
  const branches: string[] = [];
  const branch = (where: string, value: unknown, from = 'payments p') => {
    params.push(value);
    branches.push(
      `(SELECT p.id FROM ${from} WHERE p.tenant_id = $1 AND ${where.replace('?', `$${params.length}`)}
         ORDER BY p.id DESC LIMIT $2)`,
    );
  };
  if (term.id?.kind === 'transaction') branch('p.id = ?', term.id.id);
  branch('lower(p.reference) LIKE ?', term.pattern);
  if (term.amount !== null) branch('p.amount = ?', term.amount);
  if (term.last4 !== null) {
    branch(
      `p.payment_method_id IN (SELECT m.id FROM payment_methods m
                                WHERE m.tenant_id = $1 AND m.last4 = ?)`,
      term.last4,
    );
  }
  const rows = await ctx.db.query<TransactionRow>(
    `SELECT p.id, p.customer_id, c.name AS customer_name, p.amount, p.status, p.method_type,
            p.reference, m.last4, p.created_at
       FROM (${branches.join(' UNION ')}) h
       JOIN payments p ON p.id = h.id
       JOIN customers c ON c.tenant_id = p.tenant_id AND c.id = p.customer_id
       LEFT JOIN payment_methods m ON m.tenant_id = p.tenant_id AND m.id = p.payment_method_id
      ORDER BY p.id DESC LIMIT $2`,
    params,
  );
  return rows.map((r) => ({
    ...r,
    amount: Number(r.amount),
    created_at: r.created_at.toISOString(),
  }));
}
