/** How the portal names a payment method: shared with the console (web/shared/methods.ts). */
export { BRAND_NAMES, bankName, cardName, methodName } from '../../shared/methods';
