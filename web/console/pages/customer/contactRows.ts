/**
 * The contacts the tab lists: the page of the list, and above it a contact linked to by
 * `?contact=` that is not on the page. Once the list holds the linked contact (a new one, after
 * the list is read again) it shows once: the linked copy, still kept by its query, is dropped.
 */
export function contactRows<C extends { id: string; customer_id: string }>(
  page: C[],
  linked: C | undefined,
  customerId: string,
): C[] {
  const extra =
    linked && linked.customer_id === customerId && !page.some((c) => c.id === linked.id)
      ? [linked]
      : [];
  return [...extra, ...page];
}
