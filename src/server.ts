/** Runs Billow: the database (migrated), the HTTP API and, unless told otherwise, the workers. */
import type { Config } from './config.js';
import { systemClock } from './core/clock.js';
import { openDatabase } from './db/connect.js';
import { migrate } from './db/migrate.js';
import { buildApp } from './http/app.js';

export interface Running {
  url: string;
  close(): Promise<void>;
}

export async function startServer(config: Config): Promise<Running> {
  const db = await openDatabase(config, { owner: true });
  try {
    await migrate(db);
    const app = await buildApp({ db, clock: systemClock, logLevel: config.logLevel });
    const url = await app.listen({ port: config.port, host: config.host });
    return {
      url,
      async close() {
        await app.close();
        await db.close();
      },
    };
  } catch (err) {
    await db.close();
    throw err;
  }
}
