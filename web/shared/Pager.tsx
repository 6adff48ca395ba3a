/**
 * "First page" / "Next page" under a list the server pages with a cursor. The page says where
 * each button goes (the cursor lives in the URL), so a reload or a shared link shows the same page.
 */
import { Button, Group } from '@mantine/core';

export function Pager({
  onFirst,
  onNext,
}: {
  /** Back to the first page; absent on the first page. */
  onFirst?: (() => void) | undefined;
  /** To the next page; absent on the last page. */
  onNext?: (() => void) | undefined;
}) {
  if (!onFirst && !onNext) return null;
  return (
    <Group gap="xs">
      {onFirst && (
        <Button variant="default" onClick={onFirst}>
          First page
        </Button>
      )}
      {onNext && (
        <Button variant="default" onClick={onNext}>
          Next page
        </Button>
      )}
    </Group>
  );
}
