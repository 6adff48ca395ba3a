/** The billing rules other modules use: billing periods and proration, usage pricing. */
export { type Interval, type Period, periodContaining, prorate, servedPeriods } from './periods.js';
export {
  fromMicros,
  type Tier,
  tierProblems,
  toMicros,
  type UsagePrice,
  usageAmount,
} from './pricing.js';
