import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices } from '../../../shared/composition/index.js';
import { startWorld, type World } from '../../support/world.js';
import { environments, scanScenario } from './scenario.js';

let world: World;

beforeAll(async () => {
  world = await startWorld(scanScenario());
});
afterAll(() => world?.stop());

describe('two instances scanning at once', () => {
  it('lose no update and write each change to history once', async () => {
    const other = createServices(world.services.config, { ca: world.double.ca });
    await Promise.all([world.services.scan(() => undefined), other.scan(() => undefined)]);

    world.double.state.disableKeyVersion(
      'kv-main',
      'k-healthy',
      world.double.state.versionIds('kv-main', 'k-healthy').length - 1,
    );
    const [first, second] = await Promise.all([world.services.scan(() => undefined), other.scan(() => undefined)]);
    expect(first.failed + second.failed).toBe(0);

    const { statuses } = await world.services.stores();
    for (const id of environments.shared) {
      expect((await statuses.get(id))?.value.status).toBe('outage');
      const history = await statuses.history(id);
      expect(history.map((h) => [h.from, h.to])).toEqual([
        ['healthy', 'outage'],
        [null, 'healthy'],
      ]);
    }
  });
});
