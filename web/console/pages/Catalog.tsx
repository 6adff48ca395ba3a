/**
 * The catalog (B1): products with their prices — flat, per unit, tiered, volume, one-time. Staff
 * who may write create a product and a price; the forms check with the API's own schemas
 * (ProductCreate, PriceCreate), so what they refuse is what the API would refuse. "What does a
 * quantity cost" asks the API (GET /prices/{id}/preview): the page computes no money. Products
 * are paged by the server (10 a page, the cursor in the URL) and filtered active / archived; the
 * prices of a page's products come in one request (`?product=a,b,…`). A product can be renamed,
 * described, archived and restored; a price archived and restored (the API keeps a used price's
 * terms: it says so when asked to change them, and an archived one serves no new subscription).
 */
import {
  Badge,
  Button,
  Group,
  NativeSelect,
  Paper,
  SegmentedControl,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { type FormEvent, useState } from 'react';
import type { paths } from '../../../generated/api';
import { PriceCreate, ProductCreate, ProductPatch } from '../../../src/modules/catalog/model';
import { api, unwrap } from '../../shared/api';
import { Money } from '../../shared/display';
import { ErrorAlert, fieldErrors } from '../../shared/errors';
import { formatMoney, parseAmountInput } from '../../shared/format';
import { Pager } from '../../shared/Pager';
import { Empty, Loading } from '../../shared/states';
import { cursorPages } from '../PagedTable';
import { catalogRoute } from '../router';
import { can, useMe } from '../session';

type Price =
  paths['/api/v1/prices']['get']['responses'][200]['content']['application/json']['data'][number];
type Product =
  paths['/api/v1/products']['get']['responses'][200]['content']['application/json']['data'][number];
type Preview =
  paths['/api/v1/prices/{id}/preview']['get']['responses'][200]['content']['application/json'];

const CATALOG = ['catalog'] as const;
const PAGE_SIZE = 10;
const SHOW = [
  { value: 'all', label: 'All' },
  { value: 'active', label: 'Active' },
  { value: 'archived', label: 'Archived' },
];

/** "Tiered, per month, per api_call" — what kind of price this is, in words. */
export function describePrice(p: {
  kind: string;
  pricing_model: string;
  billing_interval: string | null;
  unit_of_measure: string | null;
}): string {
  const model = p.kind === 'one_time' ? 'One-time' : p.pricing_model.replace('_', ' ');
  const every = p.billing_interval ? `, per ${p.billing_interval}` : '';
  const unit = p.unit_of_measure ? `, per ${p.unit_of_measure}` : '';
  return `${model.charAt(0).toUpperCase()}${model.slice(1)}${every}${unit}`;
}

/** The amounts of a price as stored (the API's figures, formatted). */
function PriceTerms({ price }: { price: Price }) {
  if (price.tiers) {
    let from = 1;
    return (
      <Stack gap={0}>
        {price.tiers.map((t) => {
          const range = t.up_to === null ? `${from}+` : `${from}–${t.up_to}`;
          if (t.up_to !== null) from = t.up_to + 1;
          return (
            <Text size="sm" key={range}>
              {range}: {formatMoney(t.unit_amount, 'USD')} each
              {t.flat_amount ? ` + ${formatMoney(t.flat_amount, 'USD')}` : ''}
            </Text>
          );
        })}
      </Stack>
    );
  }
  return <Money minor={price.unit_amount ?? 0} />;
}

export function CatalogPage() {
  const me = useMe();
  const canWrite = can(me, 'billing:write');
  const search = catalogRoute.useSearch();
  const navigate = useNavigate({ from: '/catalog' });
  const phone = Boolean(useMediaQuery('(max-width: 36em)'));
  const products = useQuery({
    queryKey: [...CATALOG, 'products', search],
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/products', {
          params: {
            query: {
              limit: PAGE_SIZE,
              ...(search.cursor && { cursor: search.cursor }),
              ...(search.show && { active: search.show === 'active' ? 'true' : 'false' }),
            },
          },
        }),
      ),
  });
  const ids = (products.data?.data ?? []).map((p) => p.id);
  // The prices of this page's products, in one request (a page rarely has more than 100).
  const prices = useQuery({
    queryKey: [...CATALOG, 'prices', ids],
    enabled: ids.length > 0,
    queryFn: async () => {
      const all: Price[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 10; i++) {
        const page = unwrap(
          await api.GET('/api/v1/prices', {
            params: { query: { product: ids.join(','), limit: 100, ...(cursor && { cursor }) } },
          }),
        );
        all.push(...page.data);
        if (!page.next_cursor) break;
        cursor = page.next_cursor;
      }
      return all;
    },
  });

  return (
    <Stack gap="md">
      <Title order={1}>Catalog</Title>
      <Text c="dimmed" size="sm">
        Products and their prices. Customers subscribe to recurring and usage prices on their
        profile; one-time prices are charged there too.
      </Text>
      {canWrite && <NewProduct />}
      <Stack gap={4}>
        <Text size="sm" fw={500} id="catalog-show-label">
          Show
        </Text>
        <SegmentedControl
          aria-labelledby="catalog-show-label"
          w="fit-content"
          orientation={phone ? 'vertical' : 'horizontal'}
          value={search.show ?? 'all'}
          onChange={(v) =>
            void navigate({
              search: { show: v === 'all' ? undefined : (v as 'active' | 'archived') },
            })
          }
          data={SHOW}
        />
      </Stack>
      {products.isPending || (ids.length > 0 && prices.isPending) ? (
        <Loading label="Loading the catalog…" />
      ) : products.isError || prices.isError ? (
        <ErrorAlert
          error={products.error ?? prices.error}
          onRetry={() => {
            void products.refetch();
            void prices.refetch();
          }}
        />
      ) : products.data.data.length === 0 ? (
        search.show === 'archived' ? (
          <Empty title="No archived products">Archived products show here.</Empty>
        ) : (
          <Empty title="No products yet">Create a product, then give it a price.</Empty>
        )
      ) : (
        products.data.data.map((p) => (
          <ProductCard
            key={p.id}
            product={p}
            prices={(prices.data ?? []).filter((x) => x.product_id === p.id)}
            canWrite={canWrite}
          />
        ))
      )}
      <Pager
        {...cursorPages(
          search.cursor,
          products.data?.next_cursor,
          (cursor) => void navigate({ search: (s) => ({ ...s, cursor }) }),
        )}
      />
    </Stack>
  );
}

/** Archive or restore a product or a price: the API's PATCH with `active`. */
function useActiveToggle(path: 'product' | 'price', id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (active: boolean) =>
      path === 'product'
        ? unwrap(
            await api.PATCH('/api/v1/products/{id}', {
              params: { path: { id } },
              body: { active },
            }),
          )
        : unwrap(
            await api.PATCH('/api/v1/prices/{id}', { params: { path: { id } }, body: { active } }),
          ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: CATALOG }),
  });
}

function ProductCard({
  product,
  prices,
  canWrite,
}: {
  product: Product;
  prices: Price[];
  canWrite: boolean;
}) {
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState(false);
  const archive = useActiveToggle('product', product.id);
  const titleId = `product-${product.id}`;
  return (
    <Paper withBorder p="md" component="section" aria-labelledby={titleId}>
      <Stack gap="sm">
        <Group justify="space-between" wrap="wrap" gap="xs">
          <Group gap="xs">
            <Title order={2} size="h3" id={titleId}>
              {product.name}
            </Title>
            {!product.active && (
              <Badge color="gray" c="gray.9" variant="light">
                archived
              </Badge>
            )}
          </Group>
          {canWrite && (
            <Group gap="xs" wrap="wrap">
              {!editing && (
                <Button
                  size="xs"
                  variant="default"
                  aria-label={`Edit ${product.name}`}
                  onClick={() => setEditing(true)}
                >
                  Edit
                </Button>
              )}
              <Button
                size="xs"
                variant="default"
                aria-label={`${product.active ? 'Archive' : 'Restore'} ${product.name}`}
                loading={archive.isPending}
                onClick={() => archive.mutate(!product.active)}
              >
                {product.active ? 'Archive' : 'Restore'}
              </Button>
              {!adding && product.active && (
                <Button size="xs" variant="default" onClick={() => setAdding(true)}>
                  Add a price to {product.name}
                </Button>
              )}
            </Group>
          )}
        </Group>
        {archive.isError && <ErrorAlert error={archive.error} />}
        {!product.active && (
          <Text size="sm">
            Archived: its prices serve no new subscription or charge; what uses them goes on.
          </Text>
        )}
        {editing ? (
          <EditProduct product={product} onDone={() => setEditing(false)} />
        ) : (
          product.description && <Text size="sm">{product.description}</Text>
        )}
        {prices.length === 0 ? (
          <Text size="sm" c="dimmed">
            No prices yet.
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={640}>
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Price</Table.Th>
                  <Table.Th>Kind</Table.Th>
                  <Table.Th>Amount</Table.Th>
                  <Table.Th>What does a quantity cost?</Table.Th>
                  {canWrite && <Table.Th>Status</Table.Th>}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {prices.map((price) => (
                  <PriceRow key={price.id} price={price} canWrite={canWrite} />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        {adding && <NewPrice product={product} onDone={() => setAdding(false)} />}
      </Stack>
    </Paper>
  );
}

function PriceRow({ price, canWrite }: { price: Price; canWrite: boolean }) {
  const archive = useActiveToggle('price', price.id);
  const name = price.nickname ?? price.id;
  return (
    <Table.Tr>
      <Table.Td>
        <Text size="sm" fw={500}>
          {name}
        </Text>
        <Group gap={4}>
          {!price.active && (
            <Badge color="gray" c="gray.9" variant="light">
              archived
            </Badge>
          )}
          {price.used && (
            <Badge color="blue" c="blue.9" variant="light">
              in use
            </Badge>
          )}
        </Group>
      </Table.Td>
      <Table.Td>{describePrice(price)}</Table.Td>
      <Table.Td>
        <PriceTerms price={price} />
      </Table.Td>
      <Table.Td>
        <QuantityPreview price={price} />
      </Table.Td>
      {canWrite && (
        <Table.Td>
          <Stack gap={4}>
            <Button
              size="xs"
              variant="default"
              aria-label={`${price.active ? 'Archive' : 'Restore'} price ${name}`}
              loading={archive.isPending}
              onClick={() => archive.mutate(!price.active)}
            >
              {price.active ? 'Archive' : 'Restore'}
            </Button>
            {archive.isError && <ErrorAlert error={archive.error} />}
          </Stack>
        </Table.Td>
      )}
    </Table.Tr>
  );
}

/** Rename and describe a product (PATCH /products/{id}), checked with the API's schema. */
function EditProduct({ product, onDone }: { product: Product; onDone: () => void }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState(product.name);
  const [description, setDescription] = useState(product.description ?? '');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const save = useMutation({
    mutationFn: async (body: ProductPatch) =>
      unwrap(
        await api.PATCH('/api/v1/products/{id}', { params: { path: { id: product.id } }, body }),
      ),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: CATALOG });
      onDone();
    },
    onError: (err) => setErrors(fieldErrors(err)),
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    const parsed = ProductPatch.safeParse({ name, description: description.trim() || null });
    if (!parsed.success) {
      setErrors(Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0]), i.message])));
      return;
    }
    setErrors({});
    save.mutate(parsed.data);
  }
  return (
    <Paper withBorder p="md" component="form" onSubmit={submit} aria-label={`Edit ${product.name}`}>
      <Stack gap="sm">
        <TextInput
          label="Name"
          required
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          error={errors.name}
        />
        <Textarea
          label="Description"
          value={description}
          onChange={(e) => setDescription(e.currentTarget.value)}
          error={errors.description}
        />
        {save.isError && !Object.keys(fieldErrors(save.error)).length && (
          <ErrorAlert error={save.error} />
        )}
        <Group gap="xs">
          <Button type="submit" loading={save.isPending}>
            Save product
          </Button>
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

/** Asks the API what a quantity costs; shows its amount and the tiers it reaches. */
function QuantityPreview({ price }: { price: Price }) {
  const [quantity, setQuantity] = useState('');
  const preview = useMutation({
    mutationFn: async (q: string): Promise<Preview> =>
      unwrap(
        await api.GET('/api/v1/prices/{id}/preview', {
          params: { path: { id: price.id }, query: { quantity: q } },
        }),
      ),
  });
  const name = price.nickname ?? price.id;
  function submit(e: FormEvent) {
    e.preventDefault();
    preview.mutate(quantity.trim());
  }
  return (
    <Stack gap={4}>
      <form onSubmit={submit}>
        <Group gap="xs" align="flex-end" wrap="nowrap">
          <TextInput
            size="xs"
            w={90}
            label={`Quantity of ${name}`}
            styles={{
              label: {
                position: 'absolute',
                width: 1,
                height: 1,
                overflow: 'hidden',
                clip: 'rect(0 0 0 0)',
              },
            }}
            placeholder="Quantity"
            inputMode="decimal"
            value={quantity}
            onChange={(e) => setQuantity(e.currentTarget.value)}
            error={preview.isError ? (fieldErrors(preview.error).quantity ?? true) : undefined}
          />
          <Button size="xs" variant="default" type="submit" loading={preview.isPending}>
            Price it
          </Button>
        </Group>
      </form>
      {preview.isError && !fieldErrors(preview.error).quantity && (
        <ErrorAlert error={preview.error} />
      )}
      {preview.data && (
        <Stack gap={0} role="status" aria-label={`Preview of ${name}`}>
          <Text size="sm" fw={600}>
            {preview.data.quantity} cost <Money minor={preview.data.amount} />
          </Text>
          {preview.data.lines.length > 1 &&
            preview.data.lines.map((l) => (
              <Text size="xs" key={l.description}>
                {l.description}: {l.quantity} × {formatMoney(l.unit_amount, 'USD')}
                {l.flat_amount ? ` + ${formatMoney(l.flat_amount, 'USD')}` : ''} ={' '}
                {formatMoney(l.amount, 'USD')}
              </Text>
            ))}
        </Stack>
      )}
    </Stack>
  );
}

function NewProduct() {
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const create = useMutation({
    mutationFn: async (body: ProductCreate) => unwrap(await api.POST('/api/v1/products', { body })),
    onSuccess: async () => {
      setName('');
      setDescription('');
      setOpen(false);
      await queryClient.invalidateQueries({ queryKey: CATALOG });
    },
    onError: (err) => setErrors(fieldErrors(err)),
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    const parsed = ProductCreate.safeParse({
      name,
      ...(description.trim() ? { description } : {}),
    });
    if (!parsed.success) {
      setErrors(Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0]), i.message])));
      return;
    }
    setErrors({});
    create.mutate(parsed.data);
  }
  if (!open) {
    return (
      <Button w="fit-content" onClick={() => setOpen(true)}>
        New product
      </Button>
    );
  }
  return (
    <Paper withBorder p="md" component="form" onSubmit={submit} aria-label="New product">
      <Stack gap="sm">
        <Title order={2} size="h3">
          New product
        </Title>
        <TextInput
          label="Name"
          required
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          error={errors.name}
        />
        <Textarea
          label="Description"
          value={description}
          onChange={(e) => setDescription(e.currentTarget.value)}
          error={errors.description}
        />
        {create.isError && !Object.keys(fieldErrors(create.error)).length && (
          <ErrorAlert error={create.error} />
        )}
        <Group gap="xs">
          <Button type="submit" loading={create.isPending}>
            Create product
          </Button>
          <Button variant="default" onClick={() => setOpen(false)}>
            Cancel
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

type PriceType = 'flat' | 'per_unit' | 'tiered' | 'volume' | 'one_time';
const PRICE_TYPES: { value: PriceType; label: string }[] = [
  { value: 'flat', label: 'Flat (recurring, per subscribed unit)' },
  { value: 'per_unit', label: 'Per unit of usage' },
  { value: 'tiered', label: 'Tiered usage' },
  { value: 'volume', label: 'Volume usage' },
  { value: 'one_time', label: 'One-time' },
];

type TierRow = { key: number; upTo: string; unit: string; flat: string };
let nextTier = 1;
const tierRow = (upTo = '', unit = ''): TierRow => ({ key: nextTier++, upTo, unit, flat: '' });

/** A new price: the type decides the kind and model; amounts are typed in dollars. */
function NewPrice({ product, onDone }: { product: Product; onDone: () => void }) {
  const queryClient = useQueryClient();
  const [type, setType] = useState<PriceType>('flat');
  const [nickname, setNickname] = useState('');
  const [interval, setInterval] = useState<'month' | 'year'>('month');
  const [amount, setAmount] = useState('');
  const [unit, setUnit] = useState('');
  const [tiers, setTiers] = useState<TierRow[]>([tierRow('10'), tierRow()]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const tiered = type === 'tiered' || type === 'volume';
  const usage = type === 'per_unit' || tiered;
  const create = useMutation({
    mutationFn: async (body: PriceCreate) => unwrap(await api.POST('/api/v1/prices', { body })),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: CATALOG });
      onDone();
    },
    onError: (err) => setErrors(fieldErrors(err)),
  });

  function money(text: string): number | undefined {
    const n = parseAmountInput(text);
    return n === null ? undefined : n;
  }
  function submit(e: FormEvent) {
    e.preventDefault();
    const problems: Record<string, string> = {};
    if (!tiered && amount.trim() && money(amount) === undefined) {
      problems.unit_amount = 'an amount in dollars, such as 19.99';
    }
    const body = {
      product_id: product.id,
      ...(nickname.trim() ? { nickname } : {}),
      kind: type === 'one_time' ? 'one_time' : usage ? 'usage' : 'recurring',
      pricing_model: type === 'one_time' ? 'flat' : type,
      ...(type === 'one_time' ? {} : { billing_interval: interval }),
      ...(tiered ? {} : { unit_amount: money(amount) }),
      ...(usage ? { unit_of_measure: unit } : {}),
      ...(tiered
        ? {
            tiers: tiers.map((t, i) => ({
              up_to: i === tiers.length - 1 || !t.upTo.trim() ? null : Number(t.upTo),
              unit_amount: money(t.unit),
              ...(t.flat.trim() ? { flat_amount: money(t.flat) } : {}),
            })),
          }
        : {}),
    };
    const parsed = PriceCreate.safeParse(body);
    if (!parsed.success) {
      for (const i of parsed.error.issues) {
        const key = String(i.path[0]);
        problems[key] ??=
          i.path.length > 1 ? `tier ${Number(i.path[1]) + 1}: ${i.message}` : i.message;
      }
    }
    setErrors(problems);
    if (Object.keys(problems).length > 0 || !parsed.success) return;
    create.mutate(parsed.data);
  }

  return (
    <Paper
      withBorder
      p="md"
      component="form"
      onSubmit={submit}
      aria-label={`New price for ${product.name}`}
    >
      <Stack gap="sm">
        <Title order={3} size="h4">
          New price for {product.name}
        </Title>
        <NativeSelect
          label="Type"
          value={type}
          onChange={(e) => setType(e.currentTarget.value as PriceType)}
          data={PRICE_TYPES}
          error={errors.pricing_model ?? errors.kind}
        />
        <TextInput
          label="Nickname"
          description="How staff and invoices name this price"
          value={nickname}
          onChange={(e) => setNickname(e.currentTarget.value)}
          error={errors.nickname}
        />
        {type !== 'one_time' && (
          <NativeSelect
            label="Billed every"
            value={interval}
            onChange={(e) => setInterval(e.currentTarget.value as 'month' | 'year')}
            data={[
              { value: 'month', label: 'Month' },
              { value: 'year', label: 'Year' },
            ]}
            error={errors.billing_interval}
          />
        )}
        {usage && (
          <TextInput
            label="Unit of measure"
            description="What usage is counted in, such as api_call or gb_hour"
            required
            value={unit}
            onChange={(e) => setUnit(e.currentTarget.value)}
            error={errors.unit_of_measure}
          />
        )}
        {!tiered && (
          <TextInput
            label={type === 'flat' ? 'Amount per subscribed unit ($)' : 'Amount per unit ($)'}
            required
            inputMode="decimal"
            value={amount}
            onChange={(e) => setAmount(e.currentTarget.value)}
            error={errors.unit_amount}
          />
        )}
        {tiered && (
          <Stack gap="xs" component="fieldset" style={{ border: 0, padding: 0, margin: 0 }}>
            <Text component="legend" size="sm" fw={500}>
              Tiers (
              {type === 'tiered' ? 'each unit at its tier' : 'every unit at the tier reached'})
            </Text>
            {tiers.map((t, i) => {
              const last = i === tiers.length - 1;
              const set = (patch: Partial<TierRow>) =>
                setTiers(tiers.map((x) => (x.key === t.key ? { ...x, ...patch } : x)));
              return (
                <Group key={t.key} gap="xs" align="flex-end" wrap="wrap">
                  <TextInput
                    w={110}
                    label={`Tier ${i + 1} up to`}
                    placeholder={last ? 'and above' : ''}
                    disabled={last}
                    inputMode="numeric"
                    value={last ? '' : t.upTo}
                    onChange={(e) => set({ upTo: e.currentTarget.value })}
                  />
                  <TextInput
                    w={130}
                    label={`Tier ${i + 1} per unit ($)`}
                    inputMode="decimal"
                    value={t.unit}
                    onChange={(e) => set({ unit: e.currentTarget.value })}
                  />
                  <TextInput
                    w={130}
                    label={`Tier ${i + 1} flat fee ($)`}
                    inputMode="decimal"
                    value={t.flat}
                    onChange={(e) => set({ flat: e.currentTarget.value })}
                  />
                  {tiers.length > 1 && (
                    <Button
                      size="xs"
                      variant="subtle"
                      color="red"
                      onClick={() => setTiers(tiers.filter((x) => x.key !== t.key))}
                    >
                      Remove tier {i + 1}
                    </Button>
                  )}
                </Group>
              );
            })}
            <Button
              size="xs"
              variant="default"
              w="fit-content"
              onClick={() => setTiers([...tiers.slice(0, -1), tierRow(), ...tiers.slice(-1)])}
            >
              Add a tier
            </Button>
            {errors.tiers && (
              <Text size="sm" c="red.8" role="alert">
                {errors.tiers}
              </Text>
            )}
          </Stack>
        )}
        {create.isError && !Object.keys(fieldErrors(create.error)).length && (
          <ErrorAlert error={create.error} />
        )}
        <Group gap="xs">
          <Button type="submit" loading={create.isPending}>
            Create price
          </Button>
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}
