/**
 * Global search (J1): one box, no query syntax. What a term is taken to be (an id, an amount,
 * the last four digits of a card, a part of a name) is decided here, purely; service.ts asks the
 * tables.
 */
import { z } from 'zod';
import { ID_PREFIXES } from '../../core/ids.js';
import { MAX_AMOUNT, parseDecimal } from '../../core/money.js';

export const SEARCH_KINDS = ['customer', 'contact', 'invoice', 'transaction'] as const;
export type SearchKind = (typeof SEARCH_KINDS)[number];

export const SearchQuery = z.strictObject({
  q: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .describe('What to look for: a name, an email, a number, an id, an amount, last four digits'),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(20)
    .default(5)
    .describe('At most this many results of each kind'),
});
export type SearchQuery = z.infer<typeof SearchQuery>;

const CustomerHit = z.object({
  id: z.string(),
  number: z.string(),
  name: z.string(),
  billing_email: z.string().nullable(),
  status: z.enum(['active', 'archived']),
});
const ContactHit = z.object({
  id: z.string(),
  customer_id: z.string(),
  customer_name: z.string(),
  name: z.string(),
  email: z.string(),
  status: z.enum(['active', 'revoked']),
});
const InvoiceHit = z.object({
  id: z.string(),
  customer_id: z.string(),
  customer_name: z.string(),
  number: z.string().nullable(),
  po_number: z.string().nullable(),
  status: z.enum(['draft', 'posted', 'void']),
  total: z.number().int(),
  invoice_date: z.string(),
});
const TransactionHit = z.object({
  id: z.string(),
  customer_id: z.string(),
  customer_name: z.string(),
  amount: z.number().int(),
  status: z.string(),
  method_type: z.enum(['card', 'bank_account', 'check', 'wire', 'cash']),
  reference: z.string().nullable(),
  last4: z.string().nullable(),
  created_at: z.string(),
});
export type CustomerHit = z.infer<typeof CustomerHit>;
export type ContactHit = z.infer<typeof ContactHit>;
export type InvoiceHit = z.infer<typeof InvoiceHit>;
export type TransactionHit = z.infer<typeof TransactionHit>;

export const SearchJump = z
  .object({ kind: z.enum(SEARCH_KINDS), id: z.string(), customer_id: z.string() })
  .describe('Set when the term is exactly one thing (an id, an invoice number): open it directly');
export type SearchJump = z.infer<typeof SearchJump>;

export const SearchResults = z.object({
  q: z.string(),
  jump: SearchJump.nullable(),
  customers: z.array(CustomerHit),
  contacts: z.array(ContactHit),
  invoices: z.array(InvoiceHit),
  transactions: z.array(TransactionHit),
  not_searched: z
    .array(z.enum(SEARCH_KINDS))
    .describe('Kinds this role may not read, so they were not searched'),
});
export type SearchResults = z.infer<typeof SearchResults>;

const ID_KIND: Record<string, SearchKind> = {
  [ID_PREFIXES.customer]: 'customer',
  [ID_PREFIXES.contact]: 'contact',
  [ID_PREFIXES.invoice]: 'invoice',
  [ID_PREFIXES.payment]: 'transaction',
};

/** What a search term can be, besides a part of some text. */
export interface Term {
  /** The term as typed (trimmed). */
  text: string;
  /** `%term%` with LIKE's wildcards escaped, lower-cased. */
  pattern: string;
  /** A Billow id of a searchable kind, lower-cased. */
  id: { kind: SearchKind; id: string } | null;
  /** The term as an amount in minor units ("116.37", "$1,250", "42"), or null. */
  amount: number | null;
  /** Four digits: the last four of a card or bank account. */
  last4: string | null;
}

/** Reads a typed term. Pure. */
export function readTerm(text: string): Term {
  const trimmed = text.trim();
  const lower = trimmed.toLowerCase();
  const idMatch = /^([a-z]{2,6})_[0-9a-z]{26}$/.exec(lower);
  const idKind = idMatch ? ID_KIND[idMatch[1] ?? ''] : undefined;
  const money = trimmed.replace(/^\$/, '').replace(/,(?=\d{3}(\D|$))/g, '');
  const amount = /^\d/.test(money) ? parseDecimal(money) : null;
  return {
    text: trimmed,
    pattern: `%${lower.replace(/[\\%_]/g, (c) => `\\${c}`)}%`,
    id: idKind ? { kind: idKind, id: lower } : null,
    amount: amount !== null && amount > 0 && amount <= MAX_AMOUNT ? amount : null,
    last4: /^\d{4}$/.test(trimmed) ? trimmed : null,
  };
}
