import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../shared/config.js';

const minimal = {
  SUBSCRIPTION_IDS: '11111111-1111-1111-1111-111111111111',
  TABLES_ENDPOINT: 'https://account.table.core.windows.net',
};

describe('loadConfig', () => {
  it('applies the defaults of every optional setting', () => {
    const config = loadConfig(minimal);
    expect(config).toMatchObject({
      inventory: { source: 'azure', subscriptionIds: ['11111111-1111-1111-1111-111111111111'] },
      armEndpoint: 'https://management.azure.com',
      powerPlatformEndpoint: 'https://api.bap.microsoft.com',
      powerPlatformScope: 'https://service.powerapps.com/.default',
      tables: { kind: 'endpoint', url: 'https://account.table.core.windows.net' },
      tablePrefix: 'cmk',
      expiringWithinDays: 30,
      scanConcurrency: 8,
    });
  });

  it('reads a list of subscriptions separated by commas, semicolons or spaces', () => {
    const ids = ['11111111-1111-1111-1111-111111111111', '22222222-2222-2222-2222-222222222222', '33333333-3333-3333-3333-333333333333'];
    const config = loadConfig({ ...minimal, SUBSCRIPTION_IDS: `${ids[0]}, ${ids[1]};${ids[2]}` });
    expect(config.inventory).toEqual({ source: 'azure', subscriptionIds: ids });
  });

  it('prefers the inventory file when one is set', () => {
    expect(loadConfig({ ...minimal, INVENTORY_FILE: '/etc/inventory.json' }).inventory).toEqual({ source: 'file', path: '/etc/inventory.json' });
  });

  it('strips trailing slashes from endpoints (sovereign clouds are configured by URL)', () => {
    const config = loadConfig({ ...minimal, ARM_ENDPOINT: 'https://management.usgovcloudapi.net/' });
    expect(config.armEndpoint).toBe('https://management.usgovcloudapi.net');
  });

  it.each([
    [{ SUBSCRIPTION_IDS: undefined }, 'SUBSCRIPTION_IDS'],
    [{ SUBSCRIPTION_IDS: 'not-a-guid' }, 'SUBSCRIPTION_IDS'],
    [{ TABLES_ENDPOINT: undefined }, 'TABLES_ENDPOINT'],
    [{ ARM_ENDPOINT: 'http://management.azure.com' }, 'ARM_ENDPOINT'],
    [{ EXPIRY_WARNING_DAYS: 'soon' }, 'EXPIRY_WARNING_DAYS'],
    [{ SCAN_CONCURRENCY: '0' }, 'SCAN_CONCURRENCY'],
    [{ TABLE_PREFIX: 'bad-prefix' }, 'TABLE_PREFIX'],
  ])('rejects %o naming %s', (override, setting) => {
    expect(() => loadConfig({ ...minimal, ...override })).toThrow(ConfigError);
    expect(() => loadConfig({ ...minimal, ...override })).toThrow(new RegExp(`${setting}:`));
  });

  it('treats blank settings as unset', () => {
    expect(loadConfig({ ...minimal, SCAN_CONCURRENCY: '  ' }).scanConcurrency).toBe(8);
  });

  it('never echoes a setting value in its message', () => {
    const secret = 'DefaultEndpointsProtocol=https;AccountKey=c2VjcmV0';
    try {
      loadConfig({ ...minimal, TABLES_ENDPOINT: undefined, TABLES_CONNECTION_STRING: secret, SCAN_CONCURRENCY: secret });
    } catch (error) {
      expect((error as Error).message).not.toContain('c2VjcmV0');
      return;
    }
    throw new Error('expected a ConfigError');
  });
});
