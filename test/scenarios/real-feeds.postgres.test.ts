import { describeBackend } from '../support/storage.ts';
import { realFeedsSuite } from './real-feeds.scenario.ts';

// Real feeds with MISP's warninglists (real-feeds.scenario.ts) on PostgreSQL; the other backend runs in real-feeds.pglite.test.ts.
describeBackend('postgres', 'real feeds and MISP warninglists', realFeedsSuite);
