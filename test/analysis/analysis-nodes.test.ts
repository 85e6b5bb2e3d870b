// Warninglists, enrichment and analysis settings changed on one node reach the other nodes on the same database (a
// notification each reloads from); the node that made the change has already reloaded, and does not load
// everything a second time on hearing its own notification (every listener hears its own process's messages).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { describeStorage } from '../support/storage.ts';
import { startHub, type TestHub } from '../support/app.ts';
import { waitFor } from '../feedback/support.ts';

const list = (values: string[]) => ({ name: 'Partner sinkholes', description: 'test list', version: 1, type: 'string', matching_attributes: ['domain'], list: values });

describeStorage('analysis data changed on one node', (backend) => {
  let hub: TestHub;
  let other: App;
  beforeAll(async () => {
    hub = await startHub(backend);
    other = await createApp(loadConfig({ KESSETSU_RATE_LIMIT: '1000000' }, { dataDir: '/nonexistent' }), { storage: hub.app.storage });
  });
  afterAll(async () => {
    await other?.close();
    await hub?.close();
  });

  it('reaches the other node; the node that made it loads once', async () => {
    const here = hub.app.analysis.warninglists;
    const there = other.analysis.warninglists;
    const [hereBefore, thereBefore] = [here.version, there.version];
    expect(there.match('domain-name:sink-one.partner-sinkhole.net')).toBeNull();

    const r = await here.importJson(list(['sink-one.partner-sinkhole.net']), 'partner-sinkholes');
    expect(r.outcome).toBe('imported');
    expect(here.match('domain-name:sink-one.partner-sinkhole.net')?.list).toBe('partner-sinkholes');
    await waitFor(() => there.match('domain-name:sink-one.partner-sinkhole.net'), 10_000, 'the other node to load the list');
    expect(there.version).toBe(thereBefore + 1);

    // The other node's change comes back here; by then this node's own notification was delivered long ago.
    await there.setEnabled('partner-sinkholes', false);
    await waitFor(() => here.match('domain-name:sink-one.partner-sinkhole.net') === null, 10_000, 'this node to drop the list');
    expect(here.version).toBe(hereBefore + 2);
    expect(there.version).toBe(thereBefore + 2);

    await other.analysis.updateSettings(['debounceMs=4321']);
    await waitFor(() => hub.app.analysis.settings.debounceMs === 4321, 10_000, 'the settings');
  });
});
