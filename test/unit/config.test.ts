/** The installation's settings from the environment: defaults, and clear refusals. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { poolOptions } from '../../src/db/connect.js';

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

  it('keeps 10 database connections unless told otherwise, and refuses a bad count', () => {
    expect(loadConfig({}).poolSize).toBe(10);
    expect(loadConfig({ BILLOW_DB_POOL_SIZE: '6' }).poolSize).toBe(6);
    expect(() => loadConfig({ BILLOW_DB_POOL_SIZE: '2.5' })).toThrow(
      /BILLOW_DB_POOL_SIZE: must be a whole number of connections/,
    );
    expect(() => loadConfig({ BILLOW_DB_POOL_SIZE: '1' })).toThrow(
      /BILLOW_DB_POOL_SIZE: must be at least 2/,
    );
  });

  it('gives the pool its size and keeps idle connections warm for ten minutes', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://db.example/billow',
      BILLOW_DB_POOL_SIZE: '6',
    });
    const options = poolOptions(config);
    expect(options.max).toBe(6);
    // node-postgres would close an idle connection after 10 s: its prepared statements and
    // plans would then be made again, cold, in the middle of a burst.
    expect(options.idleTimeoutMillis).toBe(10 * 60_000);
  });

  it('believes X-Forwarded-For only from the proxies it is told of', () => {
    expect(loadConfig({}).trustProxy).toBeUndefined();
    expect(loadConfig({ BILLOW_TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ BILLOW_TRUST_PROXY: '10.0.0.5, 10.0.0.0/8,fd00::/8' }).trustProxy).toEqual([
      '10.0.0.5',
      '10.0.0.0/8',
      'fd00::/8',
    ]);
    // "true" would believe any client that sends the header, and rate limits would count
    // whatever address it names.
    for (const bad of ['true', '0', '11', '10.0.0.0/33', 'proxy.example', '10.0.0.5/8/1']) {
      expect(() => loadConfig({ BILLOW_TRUST_PROXY: bad }), bad).toThrow(
        /BILLOW_TRUST_PROXY: must be a number of proxies/,
      );
    }
  });

  it('names every bad setting at once', () => {
    expect(() => loadConfig({ PORT: '70000', DATABASE_URL: 'mysql://x' })).toThrow(
      /PORT: .*; DATABASE_URL: must be a postgres:\/\/ URL/,
    );
  });
});
