/** The installation's settings from the environment: defaults, and clear refusals. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

describe('loadConfig', () => {
  it('polls the job queue every 2 s unless told otherwise', () => {
    expect(loadConfig({}).jobPollSeconds).toBe(2);
    expect(loadConfig({ BILLOW_JOB_POLL_SECONDS: '0.5' }).jobPollSeconds).toBe(0.5);
  });

  it('refuses a poll interval that is not a number or out of range, naming the setting', () => {
    expect(() => loadConfig({ BILLOW_JOB_POLL_SECONDS: 'soon' })).toThrow(
      /BILLOW_JOB_POLL_SECONDS: must be a number of seconds/,
    );
    expect(() => loadConfig({ BILLOW_JOB_POLL_SECONDS: '0' })).toThrow(
      /BILLOW_JOB_POLL_SECONDS: must be at least 0.1/,
    );
    expect(() => loadConfig({ BILLOW_JOB_POLL_SECONDS: '600' })).toThrow(
      /BILLOW_JOB_POLL_SECONDS: must be at most 60/,
    );
  });

  it('names every bad setting at once', () => {
    expect(() => loadConfig({ PORT: '70000', DATABASE_URL: 'mysql://x' })).toThrow(
      /PORT: .*; DATABASE_URL: must be a postgres:\/\/ URL/,
    );
  });
});
