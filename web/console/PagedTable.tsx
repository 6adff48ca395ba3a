/**
 * The console's server-paged list: loading, the error with a retry, the empty state, or the table
 * in a focusable native scroll box (a keyboard can scroll it on a phone) with a hidden caption and
 * its column headers; then the pager. The page renders the rows (Table.Tr) as children.
 */
import { Table, VisuallyHidden } from '@mantine/core';
import type { ReactNode } from 'react';
import { ErrorAlert } from '../shared/errors';
import { Pager } from '../shared/Pager';
import { Loading } from '../shared/states';

/** A column header: its text, or a right-aligned (amount) one; `false` leaves it out. */
export type Column = string | { label: ReactNode; right?: boolean } | false;

export function PagedTable({
  query,
  count,
  loading,
  empty,
  label,
  caption,
  minWidth,
  highlightOnHover = false,
  columns,
  pages,
  children,
}: {
  query: { isPending: boolean; isError: boolean; error: unknown; refetch: () => unknown };
  /** How many rows this page has (0 shows `empty`). */
  count: number;
  loading: string;
  empty: ReactNode;
  /** The scroll region's accessible name. */
  label: string;
  caption: ReactNode;
  minWidth: number;
  highlightOnHover?: boolean;
  columns: Column[];
  pages: { onFirst?: (() => void) | undefined; onNext?: (() => void) | undefined };
  children: ReactNode;
}) {
  return (
    <>
      {query.isPending ? (
        <Loading label={loading} />
      ) : query.isError ? (
        <ErrorAlert error={query.error} onRetry={() => void query.refetch()} />
      ) : count === 0 ? (
        empty
      ) : (
        <Table.ScrollContainer
          minWidth={minWidth}
          type="native"
          tabIndex={0}
          role="region"
          aria-label={label}
        >
          <Table striped highlightOnHover={highlightOnHover}>
            <Table.Caption>
              <VisuallyHidden>{caption}</VisuallyHidden>
            </Table.Caption>
            <Table.Thead>
              <Table.Tr>
                {columns.map((c, i) =>
                  c === false ? null : typeof c === 'string' ? (
                    <Table.Th key={c} scope="col">
                      {c}
                    </Table.Th>
                  ) : (
                    <Table.Th
                      // biome-ignore lint/suspicious/noArrayIndexKey: headers are fixed per page
                      key={i}
                      scope="col"
                      style={c.right ? { textAlign: 'right' } : undefined}
                    >
                      {c.label}
                    </Table.Th>
                  ),
                )}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>{children}</Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Pager {...pages} />
    </>
  );
}

/** The pager's two moves for a cursor kept in the URL: back to the first page, on to the next. */
export function cursorPages(
  current: string | undefined,
  next: string | null | undefined,
  go: (cursor: string | undefined) => void,
) {
  return {
    onFirst: current ? () => go(undefined) : undefined,
    onNext: next ? () => go(next) : undefined,
  };
}
