/**
 * Checks of raw card and bank data (D1, D2), done where the raw data arrives: the sandbox's
 * tokenization. Each failure is a precise AppError whose details name the field and the reason,
 * never the value, so a rejected number is not echoed into responses or logs.
 */
import { AppError } from '../../core/errors.js';
import type { CardBrand } from '../types.js';

/** The Luhn (mod 10) check digit rule of card numbers. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** The brand a card number belongs to by its leading digits and length, if one Billow takes. */
export function cardBrand(digits: string): CardBrand | undefined {
  const n = digits.length;
  const p2 = Number(digits.slice(0, 2));
  const p3 = Number(digits.slice(0, 3));
  const p4 = Number(digits.slice(0, 4));
  const p6 = Number(digits.slice(0, 6));
  if (digits.startsWith('4') && (n === 13 || n === 16 || n === 19)) return 'visa';
  if (((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) && n === 16) return 'mastercard';
  if ((p2 === 34 || p2 === 37) && n === 15) return 'amex';
  const discover =
    digits.startsWith('6011') ||
    digits.startsWith('65') ||
    (p3 >= 644 && p3 <= 649) ||
    (p6 >= 622126 && p6 <= 622925);
  if (discover && n >= 16 && n <= 19) return 'discover';
  return undefined;
}

/** Digits of a card number typed with optional spaces or dashes between groups. */
export function checkCardNumber(text: string): { digits: string; brand: CardBrand } {
  const digits = text.replace(/[ -]/g, '');
  if (!/^\d{12,19}$/.test(digits)) {
    throw new AppError('card_number_invalid', { field: 'card.number', reason: 'format' });
  }
  if (!luhnValid(digits)) {
    throw new AppError('card_number_invalid', { field: 'card.number', reason: 'checksum' });
  }
  const brand = cardBrand(digits);
  if (!brand) throw new AppError('card_number_invalid', { field: 'card.number', reason: 'brand' });
  return { digits, brand };
}

/**
 * An expiry written MM/YY, valid through the last day of that month: refused once the tenant's
 * current month is later (`today` is the tenant's business date YYYY-MM-DD).
 */
export function checkExpiry(text: string, today: string): { month: number; year: number } {
  const match = /^(0[1-9]|1[0-2])\/(\d{2})$/.exec(text.trim());
  if (!match) throw new AppError('card_expiry_invalid', { field: 'card.expiry' });
  const month = Number(match[1]);
  const year = 2000 + Number(match[2]);
  if (isExpired(month, year, today)) {
    throw new AppError('card_expired', { field: 'card.expiry', expiry: text.trim() });
  }
  return { month, year };
}

/** True when a card expiring at the end of month/year is past on business date `today`. */
export function isExpired(month: number, year: number, today: string): boolean {
  const [y, m] = today.split('-').map(Number) as [number, number];
  return year * 12 + month < y * 12 + m;
}

export function checkCvc(text: string, brand: CardBrand): void {
  const expected = brand === 'amex' ? 4 : 3;
  if (!/^\d+$/.test(text) || text.length !== expected) {
    throw new AppError('cvc_invalid', { field: 'card.cvc', expected_digits: expected });
  }
}

/** The ABA routing number checksum: 3·(d1+d4+d7) + 7·(d2+d5+d8) + (d3+d6+d9) ≡ 0 (mod 10). */
export function abaValid(routing: string): boolean {
  const d = [...routing].map(Number) as number[];
  const at = (i: number) => d[i] ?? 0;
  const sum = 3 * (at(0) + at(3) + at(6)) + 7 * (at(1) + at(4) + at(7)) + (at(2) + at(5) + at(8));
  return sum % 10 === 0;
}

export function checkRoutingNumber(text: string): string {
  if (!/^\d{9}$/.test(text)) {
    throw new AppError('routing_number_invalid', {
      field: 'bank_account.routing_number',
      reason: 'format',
    });
  }
  if (!abaValid(text)) {
    throw new AppError('routing_number_invalid', {
      field: 'bank_account.routing_number',
      reason: 'checksum',
    });
  }
  return text;
}

export function checkAccountNumber(text: string): string {
  if (!/^\d{4,17}$/.test(text)) {
    throw new AppError('account_number_invalid', {
      field: 'bank_account.account_number',
      reason: /^\d*$/.test(text) ? 'length' : 'not_digits',
    });
  }
  return text;
}
