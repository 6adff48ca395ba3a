/**
 * The contacts tab's rows: a contact linked to by `?contact=` shows above the page until the page
 * holds it, then once. A contact added in the tab is linked at once and its query keeps its data
 * after the list is read again, which listed it twice (same React key, two identical buttons).
 */
import { describe, expect, it } from 'vitest';
import { contactRows } from '../../web/console/pages/customer/contactRows.js';

const c = (id: string, customer_id = 'cus_1') => ({ id, customer_id });

describe('contactRows', () => {
  it('puts a linked contact that is not on the page above it', () => {
    expect(contactRows([c('con_a')], c('con_new'), 'cus_1').map((r) => r.id)).toEqual([
      'con_new',
      'con_a',
    ]);
  });

  it('lists a linked contact once when the page holds it too', () => {
    expect(contactRows([c('con_a'), c('con_new')], c('con_new'), 'cus_1').map((r) => r.id)).toEqual(
      ['con_a', 'con_new'],
    );
  });

  it('leaves out a linked contact of another customer', () => {
    expect(contactRows([c('con_a')], c('con_x', 'cus_2'), 'cus_1').map((r) => r.id)).toEqual([
      'con_a',
    ]);
  });
});
