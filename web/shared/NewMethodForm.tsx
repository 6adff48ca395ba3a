/**
 * Entry of a new card or bank account (D1, D2, D5, D7), shared by both apps: the portal's payment
 * methods page and "pay with a new card", and the console's payment methods tab (new, and edit =
 * full re-entry). The numbers go from this form straight to the gateway's tokenization endpoint
 * (`tokenize`: the sandbox's POST /sandbox/portal-tokens in the portal, POST /sandbox/tokens in
 * the console) and never to an app's own endpoint; what comes back is a single-use token. Then
 * either `onToken` receives it (the caller pays with it, saving it or not), or, without
 * `onToken`, `save` stores it as a method and the form calls `onSaved`. A Stripe tenant needs
 * Stripe.js, which this installation does not load: the form says so instead of pretending.
 */
import {
  Button,
  Checkbox,
  Group,
  Radio,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { type FormEvent, type ReactNode, useId, useState } from 'react';
import type { paths } from '../../generated/api';
import { ApiError } from './api';
import { Notice } from './display';
import { ErrorAlert } from './errors';
import { bankName, cardName } from './methods';

export type MethodKind = 'card' | 'bank_account';
/** The gateway tokenization's request and answer (the same for the portal and the console). */
export type TokenRequest =
  paths['/api/v1/sandbox/tokens']['post']['requestBody']['content']['application/json'];
export type TokenAnswer =
  paths['/api/v1/sandbox/tokens']['post']['responses'][201]['content']['application/json'];

/** What the gateway gave for the entered card or account, and the contact's choices. */
export interface NewMethodToken {
  /** The single-use gateway token (tok_…): give it to a portal endpoint in place of numbers. */
  token: string;
  kind: MethodKind;
  /** "Visa ending 4242" / "Checking account ending 6789", for a review page. */
  label: string;
  /** The authorisation tick was given (the form does not submit without it). */
  authorized: true;
  /** "Save for later" was ticked (only shown with showSaveForLater). */
  saveForLater: boolean;
  /** "Available to child accounts" was ticked (only shown with canShareWithChildren). */
  sharedWithChildren: boolean;
}

export interface NewMethodFormProps<M = unknown> {
  /** The gateway's tokenization: the one request that carries the numbers. */
  tokenize: (body: TokenRequest) => Promise<TokenAnswer>;
  /** Saves the token as a method (without onToken): a new one, or a replacement. */
  save?: (
    token: string,
    choices: { sharedWithChildren: boolean; friendlyName: string },
  ) => Promise<M>;
  /** Show a "Friendly name" field (the console's). */
  withFriendlyName?: boolean;
  /** The authorisation tick's words, when the app's differ from the customer's own. */
  authorizationLabel?: (kind: MethodKind) => ReactNode;
  /** The kinds the tenant accepts in the portal (GET /portal/payment-methods accepted_kinds). */
  kinds: readonly MethodKind[];
  /** The tenant's gateway (GET /portal/payment-methods gateway). */
  gateway: 'sandbox' | 'stripe' | null;
  /** Which kind to show first. */
  initialKind?: MethodKind;
  /** Show "Save for later" (a payment with a new method); saving itself is the caller's. */
  showSaveForLater?: boolean;
  /** Show "Available to child accounts" (an account with child accounts). */
  canShareWithChildren?: boolean;
  /** Receives the token instead of the form saving it; a thrown error is shown in the form. */
  onToken?: (token: NewMethodToken) => Promise<void> | void;
  /** Called with the saved method when the form saves it itself (no onToken). */
  onSaved?: (method: M) => void;
  onCancel?: () => void;
  submitLabel?: string;
}

interface Fields {
  number: string;
  expiry: string;
  cvc: string;
  name: string;
  line1: string;
  line2: string;
  city: string;
  region: string;
  postal_code: string;
  country: string;
  holder_type: 'personal' | 'business';
  account_type: 'checking' | 'savings';
  account_number: string;
  routing_number: string;
}

const EMPTY: Fields = {
  number: '',
  expiry: '',
  cvc: '',
  name: '',
  line1: '',
  line2: '',
  city: '',
  region: '',
  postal_code: '',
  country: 'US',
  holder_type: 'personal',
  account_type: 'checking',
  account_number: '',
  routing_number: '',
};

/** The gateway's field names (details.field) → this form's fields. */
const SERVER_FIELD: Record<string, keyof Fields> = {
  'card.number': 'number',
  'card.expiry': 'expiry',
  'card.cvc': 'cvc',
  'bank_account.routing_number': 'routing_number',
  'bank_account.account_number': 'account_number',
};

/** The first checks, before anything is sent; the gateway checks again (Luhn, ABA, expiry). */
function problems(kind: MethodKind, f: Fields): Partial<Record<keyof Fields, string>> {
  const out: Partial<Record<keyof Fields, string>> = {};
  if (!f.name.trim()) {
    out.name = kind === 'card' ? 'Enter the name as on the card' : 'Enter the name on the account';
  }
  if (f.country && !/^[A-Za-z]{2}$/.test(f.country.trim())) {
    out.country = 'Two letters, for example US';
  }
  if (kind === 'card') {
    if (!/^\d{12,19}$/.test(f.number.replace(/[ -]/g, ''))) {
      out.number = 'Enter the 12 to 19 digits of the card number';
    }
    if (!/^(0[1-9]|1[0-2])\s*\/\s*\d{2}$/.test(f.expiry.trim())) {
      out.expiry = 'Enter the expiry as MM/YY, for example 04/29';
    }
    if (!/^\d{3,4}$/.test(f.cvc.trim())) out.cvc = 'Enter the 3 or 4 digit security code';
  } else {
    if (!/^\d{4,17}$/.test(f.account_number.trim())) {
      out.account_number = 'Enter the 4 to 17 digits of the account number';
    }
    if (!/^\d{9}$/.test(f.routing_number.trim())) {
      out.routing_number = 'Enter the 9-digit routing number';
    }
  }
  return out;
}

function address(f: Fields) {
  const a = {
    line1: f.line1.trim() || undefined,
    line2: f.line2.trim() || undefined,
    city: f.city.trim() || undefined,
    region: f.region.trim() || undefined,
    postal_code: f.postal_code.trim() || undefined,
    country: f.country.trim().toUpperCase() || undefined,
  };
  return Object.values(a).some(Boolean) ? a : undefined;
}

export function NewMethodForm<M>(props: NewMethodFormProps<M>) {
  const kinds = props.kinds;
  const first =
    props.initialKind && kinds.includes(props.initialKind) ? props.initialKind : kinds[0];
  const [kind, setKind] = useState<MethodKind>(first ?? 'card');
  const [f, setF] = useState<Fields>(EMPTY);
  const [authorized, setAuthorized] = useState(false);
  const [saveForLater, setSaveForLater] = useState(true);
  const [shared, setShared] = useState(false);
  const [friendlyName, setFriendlyName] = useState('');
  const [errors, setErrors] = useState<Partial<Record<keyof Fields | 'authorized', string>>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();

  if (props.gateway === 'stripe') {
    return (
      <Notice title="Card and bank entry needs Stripe" color="yellow">
        This billing account takes payments through Stripe. Entering a card or bank account needs
        Stripe's own secure form (Stripe.js), which this installation cannot load. Contact the
        billing team to add a payment method.
      </Notice>
    );
  }
  if (props.gateway === null || kinds.length === 0) {
    return (
      <Notice title="Payment methods cannot be added here" color="gray">
        The billing team has not set up online payment methods for this account. Contact them to add
        one.
      </Notice>
    );
  }

  const set =
    <K extends keyof Fields>(key: K) =>
    (value: Fields[K]) =>
      setF((old) => ({ ...old, [key]: value }));
  const text = (key: keyof Fields) => ({
    value: f[key],
    onChange: (e: { currentTarget: { value: string } }) => set(key)(e.currentTarget.value as never),
    error: errors[key],
  });

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const found: Partial<Record<keyof Fields | 'authorized', string>> = problems(kind, f);
    if (!authorized) found.authorized = 'Tick the authorisation to continue';
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    try {
      const body =
        kind === 'card'
          ? {
              card: {
                number: f.number,
                expiry: f.expiry.replace(/\s/g, ''),
                cvc: f.cvc.trim(),
                name: f.name.trim(),
                address: address(f),
              },
            }
          : {
              bank_account: {
                holder_type: f.holder_type,
                account_type: f.account_type,
                name: f.name.trim(),
                account_number: f.account_number.trim(),
                routing_number: f.routing_number.trim(),
                address: address(f),
              },
            };
      // The gateway's tokenization: the one request that carries the numbers.
      const tok = await props.tokenize(body as TokenRequest);
      // Nothing of the numbers stays in the page once the gateway has them.
      setF((old) => ({ ...old, number: '', cvc: '', account_number: '' }));
      const label = tok.card
        ? cardName(tok.card.brand, tok.card.last4)
        : bankName(tok.bank_account?.account_type, tok.bank_account?.last4);
      const result: NewMethodToken = {
        token: tok.id,
        kind: tok.kind,
        label,
        authorized: true,
        saveForLater: props.showSaveForLater ? saveForLater : false,
        sharedWithChildren: props.canShareWithChildren ? shared : false,
      };
      if (props.onToken) {
        await props.onToken(result);
      } else if (props.save) {
        const saved = await props.save(tok.id, {
          sharedWithChildren: props.canShareWithChildren ? shared : false,
          friendlyName: friendlyName.trim(),
        });
        setF(EMPTY);
        setFriendlyName('');
        setAuthorized(false);
        props.onSaved?.(saved);
      }
    } catch (err) {
      const field = err instanceof ApiError ? SERVER_FIELD[String(err.details?.field)] : undefined;
      if (field && err instanceof ApiError) setErrors({ [field]: err.message });
      else setError(err);
    } finally {
      setBusy(false);
    }
  }

  const isCard = kind === 'card';
  return (
    <form onSubmit={submit} noValidate aria-label={isCard ? 'New card' : 'New bank account'}>
      <Stack gap="sm">
        {kinds.length > 1 && (
          <SegmentedControl
            aria-label="Kind of payment method"
            value={kind}
            onChange={(v) => {
              setKind(v as MethodKind);
              setErrors({});
            }}
            data={[
              { value: 'card', label: 'Card' },
              { value: 'bank_account', label: 'Bank account' },
            ]}
            w="fit-content"
          />
        )}
        <Text size="sm">
          {isCard ? 'Card' : 'Account'} numbers go straight to the payment gateway's secure vault;
          this site keeps only the last four digits.
          {!props.onToken && ' Submitting charges nothing.'}
        </Text>
        {error !== null && <ErrorAlert error={error} title="Could not add this payment method" />}
        {isCard ? (
          <>
            <TextInput
              label="Card number"
              required
              inputMode="numeric"
              autoComplete="cc-number"
              maxLength={23}
              {...text('number')}
            />
            <SimpleGrid cols={2}>
              <TextInput
                label="Expiry (MM/YY)"
                required
                placeholder="MM/YY"
                autoComplete="cc-exp"
                maxLength={7}
                {...text('expiry')}
              />
              <TextInput
                label="CVV"
                description="3 digits, 4 on American Express"
                required
                inputMode="numeric"
                autoComplete="cc-csc"
                maxLength={4}
                {...text('cvc')}
              />
            </SimpleGrid>
            <TextInput
              label="Name on card"
              required
              autoComplete="cc-name"
              maxLength={200}
              {...text('name')}
            />
          </>
        ) : (
          <>
            <Radio.Group
              label="Account holder"
              value={f.holder_type}
              onChange={(v) => set('holder_type')(v as Fields['holder_type'])}
            >
              <Group gap="md" mt={4}>
                <Radio value="personal" label="Personal" />
                <Radio value="business" label="Business" />
              </Group>
            </Radio.Group>
            <Radio.Group
              label="Account type"
              value={f.account_type}
              onChange={(v) => set('account_type')(v as Fields['account_type'])}
            >
              <Group gap="md" mt={4}>
                <Radio value="checking" label="Checking" />
                <Radio value="savings" label="Savings" />
              </Group>
            </Radio.Group>
            <TextInput
              label={f.holder_type === 'business' ? 'Business name on account' : 'Name on account'}
              required
              autoComplete="name"
              maxLength={200}
              {...text('name')}
            />
            <SimpleGrid cols={{ base: 1, xs: 2 }}>
              <TextInput
                label="Routing number"
                description="9 digits"
                required
                inputMode="numeric"
                maxLength={9}
                {...text('routing_number')}
              />
              <TextInput
                label="Account number"
                description="4 to 17 digits"
                required
                inputMode="numeric"
                maxLength={17}
                {...text('account_number')}
              />
            </SimpleGrid>
          </>
        )}
        <fieldset className="plain-fieldset">
          <legend>
            <Text fw={600} size="sm" mb={4}>
              Billing address
            </Text>
          </legend>
          <Stack gap="xs">
            <TextInput
              label="Address line 1"
              autoComplete="address-line1"
              maxLength={200}
              {...text('line1')}
            />
            <TextInput
              label="Address line 2"
              autoComplete="address-line2"
              maxLength={200}
              {...text('line2')}
            />
            <SimpleGrid cols={{ base: 1, xs: 2 }}>
              <TextInput
                label="City"
                autoComplete="address-level2"
                maxLength={100}
                {...text('city')}
              />
              <TextInput
                label="State or region"
                autoComplete="address-level1"
                maxLength={100}
                {...text('region')}
              />
              <TextInput
                label="ZIP or postal code"
                autoComplete="postal-code"
                maxLength={20}
                {...text('postal_code')}
              />
              <TextInput
                label="Country (2 letters)"
                autoComplete="country"
                maxLength={2}
                {...text('country')}
              />
            </SimpleGrid>
          </Stack>
        </fieldset>
        {props.withFriendlyName && (
          <TextInput
            label="Friendly name"
            description="Optional, for example Office card"
            maxLength={100}
            value={friendlyName}
            onChange={(e) => setFriendlyName(e.currentTarget.value)}
          />
        )}
        {props.canShareWithChildren && (
          <Checkbox
            label="Available to child accounts"
            description="Your child accounts without a method of their own can pay with it"
            checked={shared}
            onChange={(e) => setShared(e.currentTarget.checked)}
          />
        )}
        {props.showSaveForLater && (
          <Checkbox
            label="Save for later"
            description="Keep it as a payment method of this account"
            checked={saveForLater}
            onChange={(e) => setSaveForLater(e.currentTarget.checked)}
          />
        )}
        <Checkbox
          id={`${id}-authorized`}
          label={
            props.authorizationLabel?.(kind) ??
            (isCard
              ? 'I authorise charges to this card for invoices of this account'
              : 'I authorise debits from this bank account for invoices of this account, and two small test deposits to verify it')
          }
          checked={authorized}
          onChange={(e) => setAuthorized(e.currentTarget.checked)}
          error={errors.authorized}
        />
        <Group gap="sm">
          <Button type="submit" loading={busy}>
            {props.submitLabel ?? (isCard ? 'Save card' : 'Save bank account')}
          </Button>
          {props.onCancel && (
            <Button variant="default" onClick={props.onCancel} disabled={busy}>
              Cancel
            </Button>
          )}
        </Group>
      </Stack>
    </form>
  );
}
