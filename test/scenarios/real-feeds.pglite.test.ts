import { describeBackend } from '../support/storage.ts';
import { realFeedsSuite } from './real-feeds.scenario.ts';

// Real feeds with MISP's warninglists (real-feeds.scenario.ts) on PGlite; the other backend runs in real-feeds.postgres.test.ts.
describeBackend('pglite', 'real feeds and MISP warninglists', realFeedsSuite);
