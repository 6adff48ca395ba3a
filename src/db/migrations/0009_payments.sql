-- Payments, credits, autopay and payment runs (E1–E11, F1–F3, G1–G4, H1–H3).
--
-- The books: an invoice's paid amount is the sum of the applications of payments that count
-- (succeeded, or refunded in part or whole: refunds are negative applications), plus the credit
-- applications. A payment's amount = its applications (net of refunds) + its unapplied remainder
-- + what was refunded from the remainder. Pending payments reserve their applications against
-- the invoice (nothing else may collect that part) until they settle or fail. `billow verify`
-- checks all of it.

-- G1: "autopay future invoices" with the customer's default method.
ALTER TABLE customers ADD COLUMN autopay boolean NOT NULL DEFAULT false;

CREATE TABLE payment_runs (
  id              text PRIMARY KEY,
  tenant_id       text NOT NULL REFERENCES tenants (id),
  status          text NOT NULL CHECK (status IN ('scheduled', 'running', 'completed', 'failed')),
  -- A scheduled run waits for this bill run to be posted (F3) and for this business date.
  after_bill_run_id text,
  run_on          date,
  total_invoices  integer NOT NULL DEFAULT 0,
  processed       integer NOT NULL DEFAULT 0,
  succeeded_count integer NOT NULL DEFAULT 0,
  failed_count    integer NOT NULL DEFAULT 0,
  pending_count   integer NOT NULL DEFAULT 0,
  collected       bigint NOT NULL DEFAULT 0,
  created_by      text,
  created_at      timestamptz NOT NULL,
  started_at      timestamptz,
  completed_at    timestamptz,
  UNIQUE (tenant_id, id),
  FOREIGN KEY (tenant_id, after_bill_run_id) REFERENCES bill_runs (tenant_id, id)
);

-- G2: ordered rules per customer; all criteria rows must hold; first match pays.
CREATE TABLE autopay_rules (
  id                text PRIMARY KEY,
  tenant_id         text NOT NULL REFERENCES tenants (id),
  customer_id       text NOT NULL,
  position          integer NOT NULL CHECK (position >= 1),
  name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  payment_method_id text NOT NULL,
  -- [{"field": "invoice_total", "operator": "gte", "values": [10000]}, …]
  criteria          jsonb NOT NULL DEFAULT '[]',
  enabled           boolean NOT NULL DEFAULT true,
  locked            boolean NOT NULL DEFAULT false,
  created_at        timestamptz NOT NULL,
  updated_at        timestamptz NOT NULL,
  UNIQUE (tenant_id, id),
  UNIQUE (customer_id, position) DEFERRABLE INITIALLY DEFERRED,
  FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id),
  FOREIGN KEY (tenant_id, payment_method_id) REFERENCES payment_methods (tenant_id, id)
);

CREATE TABLE payments (
  id                 text PRIMARY KEY,
  tenant_id          text NOT NULL REFERENCES tenants (id),
  customer_id        text NOT NULL,
  -- card / bank_account go through the gateway with a saved method; the others are recorded by
  -- staff (E6).
  method_type        text NOT NULL CHECK (method_type IN ('card', 'bank_account', 'check', 'wire', 'cash')),
  payment_method_id  text,
  reference          text CHECK (length(reference) <= 200),
  amount             bigint NOT NULL CHECK (amount > 0),
  currency           text NOT NULL DEFAULT 'USD' CHECK (currency = 'USD'),
  status             text NOT NULL CHECK (status IN
                       ('scheduled', 'pending', 'succeeded', 'failed', 'returned', 'refunded', 'cancelled')),
  source             text NOT NULL CHECK (source IN ('manual', 'scheduled', 'autopay', 'payment_run', 'external', 'retry')),
  -- An explicit prepayment: the part not applied to invoices stays as an unapplied payment (H2).
  prepayment         boolean NOT NULL DEFAULT false,
  scheduled_for      date,
  autopay_rule_id    text REFERENCES autopay_rules (id),
  payment_run_id     text REFERENCES payment_runs (id),
  retry_of           text REFERENCES payments (id),
  -- An autopay or payment-run charge is for one invoice; the unique index below keeps it to one
  -- live charge per invoice (G3: an invoice is never paid twice by autopay).
  autopay_invoice_id text,
  gateway            text CHECK (gateway IN ('sandbox', 'stripe')),
  gateway_charge_id  text,
  decline_code       text,
  failure_message    text,
  return_code        text,
  amount_refunded    bigint NOT NULL DEFAULT 0 CHECK (amount_refunded >= 0 AND amount_refunded <= amount),
  expected_settlement_date date,
  next_retry_date    date,
  retry_count        integer NOT NULL DEFAULT 0,
  sync_state         text NOT NULL DEFAULT 'pending' CHECK (sync_state IN ('pending', 'synced', 'failed')),
  attempted_at       timestamptz,
  settled_at         timestamptz,
  failed_at          timestamptz,
  returned_at        timestamptz,
  cancelled_at       timestamptz,
  created_by         text,
  created_at         timestamptz NOT NULL,
  updated_at         timestamptz NOT NULL,
  UNIQUE (tenant_id, id),
  FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id),
  FOREIGN KEY (tenant_id, payment_method_id) REFERENCES payment_methods (tenant_id, id),
  CHECK ((method_type IN ('card', 'bank_account')) = (payment_method_id IS NOT NULL)),
  CHECK ((status = 'scheduled') = (scheduled_for IS NOT NULL AND attempted_at IS NULL))
);
CREATE INDEX payments_customer ON payments (tenant_id, customer_id, id);
CREATE INDEX payments_tenant_status ON payments (tenant_id, status, id);
CREATE INDEX payments_due ON payments (scheduled_for) WHERE status = 'scheduled';
CREATE INDEX payments_retry ON payments (next_retry_date) WHERE status = 'failed' AND next_retry_date IS NOT NULL;
CREATE INDEX payments_pending ON payments (expected_settlement_date) WHERE status = 'pending';
CREATE UNIQUE INDEX payments_one_live_autopay_per_invoice ON payments (autopay_invoice_id)
  WHERE autopay_invoice_id IS NOT NULL AND status IN ('scheduled', 'pending', 'succeeded');

-- What a payment pays on which invoice. Refunds that reopen an invoice are negative rows; a
-- returned payment's rows stop counting with its status. Rows are never updated.
CREATE TABLE payment_applications (
  id          text PRIMARY KEY,
  tenant_id   text NOT NULL REFERENCES tenants (id),
  payment_id  text NOT NULL REFERENCES payments (id),
  invoice_id  text NOT NULL,
  amount      bigint NOT NULL CHECK (amount <> 0),
  kind        text NOT NULL DEFAULT 'payment' CHECK (kind IN ('payment', 'refund')),
  created_at  timestamptz NOT NULL,
  FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, id)
);
CREATE INDEX payment_applications_invoice ON payment_applications (invoice_id);
CREATE INDEX payment_applications_payment ON payment_applications (payment_id);

CREATE TABLE refunds (
  id                text PRIMARY KEY,
  tenant_id         text NOT NULL REFERENCES tenants (id),
  payment_id        text NOT NULL REFERENCES payments (id),
  amount            bigint NOT NULL CHECK (amount > 0),
  reason            text CHECK (length(reason) <= 500),
  status            text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
  gateway_refund_id text,
  failure_message   text,
  created_by        text,
  created_at        timestamptz NOT NULL
);
CREATE INDEX refunds_payment ON refunds (payment_id);

CREATE TABLE credit_memos (
  id          text PRIMARY KEY,
  tenant_id   text NOT NULL REFERENCES tenants (id),
  customer_id text NOT NULL,
  -- The invoice the memo was issued against (it is applied there first), if any.
  invoice_id  text,
  amount      bigint NOT NULL CHECK (amount > 0),
  reason      text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
  status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'void')),
  sync_state  text NOT NULL DEFAULT 'pending' CHECK (sync_state IN ('pending', 'synced', 'failed')),
  created_by  text,
  created_at  timestamptz NOT NULL,
  UNIQUE (tenant_id, id),
  FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id),
  FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, id)
);
CREATE INDEX credit_memos_customer ON credit_memos (tenant_id, customer_id, id);

CREATE TABLE credit_applications (
  id             text PRIMARY KEY,
  tenant_id      text NOT NULL REFERENCES tenants (id),
  credit_memo_id text NOT NULL REFERENCES credit_memos (id),
  invoice_id     text NOT NULL,
  amount         bigint NOT NULL CHECK (amount > 0),
  created_at     timestamptz NOT NULL,
  FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, id)
);
CREATE INDEX credit_applications_invoice ON credit_applications (invoice_id);
CREATE INDEX credit_applications_memo ON credit_applications (credit_memo_id);

-- F1: per-invoice results of a payment run; one row per invoice per run.
CREATE TABLE payment_run_items (
  payment_run_id text NOT NULL REFERENCES payment_runs (id),
  invoice_id     text NOT NULL,
  tenant_id      text NOT NULL REFERENCES tenants (id),
  payment_id     text REFERENCES payments (id),
  autopay_rule_id text REFERENCES autopay_rules (id),
  status         text NOT NULL CHECK (status IN ('queued', 'succeeded', 'pending', 'failed', 'skipped')),
  detail         text,
  processed_at   timestamptz,
  PRIMARY KEY (payment_run_id, invoice_id)
);

-- Invoices and payments carry their accounting-sync state (E8) too.
ALTER TABLE invoices ADD COLUMN sync_state text NOT NULL DEFAULT 'pending'
  CHECK (sync_state IN ('pending', 'synced', 'failed'));
