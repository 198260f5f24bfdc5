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
      refusalQuietMinutes: 30,
      monitorClientId: null,
      scanConcurrency: 8,
    });
  });

  it('reads a list of subscriptions separated by commas, semicolons or spaces', () => {
    const ids = [
      '11111111-1111-1111-1111-111111111111',
      '22222222-2222-2222-2222-222222222222',
      '33333333-3333-3333-3333-333333333333',
    ];
    const config = loadConfig({ ...minimal, SUBSCRIPTION_IDS: `${ids[0]}, ${ids[1]};${ids[2]}` });
    expect(config.inventory).toEqual({ source: 'azure', subscriptionIds: ids });
  });

  it('prefers the inventory file when one is set', () => {
    expect(loadConfig({ ...minimal, INVENTORY_FILE: '/etc/inventory.json' }).inventory).toEqual({
      source: 'file',
      path: '/etc/inventory.json',
    });
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
    [{ FUNCTION_APP_ID: 'func-cmk-monitor' }, 'FUNCTION_APP_ID'],
    [{ ACCESS_REFUSAL_QUIET_MINUTES: '0' }, 'ACCESS_REFUSAL_QUIET_MINUTES'],
    [{ AZURE_CLIENT_ID: 'id-cmk-monitor' }, 'AZURE_CLIENT_ID'],
    [{ HEARTBEAT_URL: 'hc-ping.com/5f1c' }, 'HEARTBEAT_URL'],
    [{ HEARTBEAT_URL: 'http://hc-ping.com/5f1c' }, 'HEARTBEAT_URL'],
    [{ 'AzureWebJobs.keyVaultAuditEvents.Disabled': 'maybe' }, 'AzureWebJobs.keyVaultAuditEvents.Disabled'],
  ])('rejects %o naming %s', (override, setting) => {
    expect(() => loadConfig({ ...minimal, ...override })).toThrow(ConfigError);
    expect(() => loadConfig({ ...minimal, ...override })).toThrow(new RegExp(`${setting}:`));
  });

  it('reads the heartbeat URL (https, or http to this machine) and whether audit records come, from the function that takes them', () => {
    expect(loadConfig(minimal)).toMatchObject({ heartbeatUrl: null, auditLogs: true });
    expect(
      loadConfig({ ...minimal, HEARTBEAT_URL: 'https://hc-ping.com/5f1c2b7e-0c1d-4a8e-9d6f-1a2b3c4d5e6f' })
        .heartbeatUrl,
    ).toBe('https://hc-ping.com/5f1c2b7e-0c1d-4a8e-9d6f-1a2b3c4d5e6f');
    expect(loadConfig({ ...minimal, HEARTBEAT_URL: 'http://127.0.0.1:3001/api/push/token' }).heartbeatUrl).toBe(
      'http://127.0.0.1:3001/api/push/token',
    );
    expect(loadConfig({ ...minimal, 'AzureWebJobs.keyVaultAuditEvents.Disabled': 'true' }).auditLogs).toBe(false);
  });

  it("reads the function app's resource id, absent by default", () => {
    const id =
      '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-cmk/providers/Microsoft.Web/sites/func-cmk';
    expect(loadConfig({ ...minimal, FUNCTION_APP_ID: id }).functionAppId).toBe(id);
    expect(loadConfig(minimal).functionAppId).toBeNull();
  });

  it('treats blank settings as unset', () => {
    expect(loadConfig({ ...minimal, SCAN_CONCURRENCY: '  ' }).scanConcurrency).toBe(8);
  });

  it('never echoes a setting value in its message', () => {
    const secret = 'DefaultEndpointsProtocol=https;AccountKey=c2VjcmV0';
    try {
      loadConfig({
        ...minimal,
        TABLES_ENDPOINT: undefined,
        TABLES_CONNECTION_STRING: secret,
        SCAN_CONCURRENCY: secret,
      });
    } catch (error) {
      expect((error as Error).message).not.toContain('c2VjcmV0');
      return;
    }
    throw new Error('expected a ConfigError');
  });
});

describe('loadConfig: alerts', () => {
  it('scans hourly and sends no digest unless told otherwise', () => {
    expect(loadConfig(minimal)).toMatchObject({ scanSchedule: '0 0 * * * *', digestSchedule: null });
    expect(
      loadConfig({ ...minimal, SCAN_SCHEDULE: '0 */15 * * * *', ALERT_DIGEST_SCHEDULE: '0 0 7 * * 1-5' }),
    ).toMatchObject({ scanSchedule: '0 */15 * * * *', digestSchedule: '0 0 7 * * 1-5' });
  });

  it('sends nothing until a mail transport is chosen, with the default ladder', () => {
    expect(loadConfig(minimal).alerts).toEqual({
      channels: [{ name: 'email', settings: { minSeverity: 'info' } }],
      mail: { kind: 'none' },
      from: null,
      keyvaultAdmins: [],
      powerplatformAdmins: [],
      monitorAdmins: [],
      thresholdsDays: [30, 14, 7, 3, 1],
      dashboardUrl: null,
    });
  });

  it('reads SMTP and the recipients by duty', () => {
    const config = loadConfig({
      ...minimal,
      MAIL_TRANSPORT: 'smtp',
      MAIL_FROM: 'cmk-monitor@contoso.com',
      SMTP_HOST: 'smtp.contoso.com',
      SMTP_PORT: '465',
      SMTP_SECURE: 'true',
      ALERT_TO_KEYVAULT_ADMINS: 'kv-admins@contoso.com; security@contoso.com',
      ALERT_TO_POWERPLATFORM_ADMINS: 'pp-admins@contoso.com',
      ALERT_THRESHOLDS_DAYS: '7, 30,14,7',
    });
    expect(config.alerts).toMatchObject({
      mail: { kind: 'smtp', host: 'smtp.contoso.com', port: 465, secure: true, user: null, password: null },
      keyvaultAdmins: ['kv-admins@contoso.com', 'security@contoso.com'],
      powerplatformAdmins: ['pp-admins@contoso.com'],
      thresholdsDays: [30, 14, 7],
    });
  });

  it('prefers the ACS endpoint (managed identity) to a connection string', () => {
    const acs = {
      ...minimal,
      MAIL_TRANSPORT: 'acs',
      MAIL_FROM: 'DoNotReply@contoso.com',
      ACS_ENDPOINT: 'https://contoso.communication.azure.com/',
    };
    expect(loadConfig(acs).alerts.mail).toEqual({ kind: 'acs', endpoint: 'https://contoso.communication.azure.com' });
  });

  it.each([
    [
      { ALERT_TO_KEYVAULT_ADMINS: 'kv-admins@contoso.com, not-an-address' },
      "ALERT_TO_KEYVAULT_ADMINS: 'not-an-address' is not an email address",
    ],
    [{ ALERT_TO_POWERPLATFORM_ADMINS: 'a@b.com\r\nBcc: x@y.com' }, 'ALERT_TO_POWERPLATFORM_ADMINS:'],
    [{ ALERT_THRESHOLDS_DAYS: '30,two' }, 'ALERT_THRESHOLDS_DAYS: must be whole days'],
    [{ ALERT_THRESHOLDS_DAYS: '30,0' }, 'ALERT_THRESHOLDS_DAYS:'],
    [{ MAIL_TRANSPORT: 'pigeon' }, "MAIL_TRANSPORT: must be 'smtp', 'acs' or 'none'"],
    [
      { ALERT_THRESHOLDS_DAYS: '60,30,7' },
      'ALERT_THRESHOLDS_DAYS: 60 days is further out than EXPIRY_WARNING_DAYS (30)',
    ],
    [{ MAIL_TRANSPORT: 'smtp', MAIL_FROM: 'a@b.com' }, 'SMTP_HOST: set the SMTP server'],
    [{ MAIL_TRANSPORT: 'smtp', SMTP_HOST: 'smtp.contoso.com' }, 'MAIL_FROM: set the sender address'],
    [{ MAIL_TRANSPORT: 'acs', MAIL_FROM: 'a@b.com' }, 'ACS_ENDPOINT: set ACS_ENDPOINT'],
    [{ MAIL_FROM: 'cmk monitor' }, 'MAIL_FROM: must be an email address'],
    [{ SCAN_SCHEDULE: '0 * * * *' }, 'SCAN_SCHEDULE: must be an NCRONTAB expression of six fields'],
    [{ ALERT_DIGEST_SCHEDULE: 'daily at 7' }, 'ALERT_DIGEST_SCHEDULE: must be an NCRONTAB expression'],
    [{ ALERT_DIGEST_SCHEDULE: '0 0 25 * * *' }, 'ALERT_DIGEST_SCHEDULE: must be an NCRONTAB expression'],
  ])('rejects %j naming the setting', (settings, message) => {
    expect(() => loadConfig({ ...minimal, ...settings })).toThrow(ConfigError);
    expect(() => loadConfig({ ...minimal, ...settings })).toThrow(message);
  });

  it('never echoes a secret', () => {
    const settings = { ...minimal, MAIL_TRANSPORT: 'smtp', SMTP_PASSWORD: 'hunter2-secret', MAIL_FROM: 'a@b.com' };
    expect(() => loadConfig(settings)).toThrow(/^(?!.*hunter2).*$/s);
  });
});

describe('loadConfig: channels', () => {
  const secret = 'a-signing-secret-of-32-bytes-or-more';
  const every = {
    ...minimal,
    ALERT_CHANNELS: 'email, teams, slack, pagerduty, webhook',
    TEAMS_WEBHOOK_URL:
      'https://prod-01.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=s3cret',
    SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T000/B000/s3cret',
    PAGERDUTY_ROUTING_KEY: 'R0123456789abcdef0123456789abcde',
    WEBHOOK_URL: 'http://127.0.0.1:7399/webhook',
    WEBHOOK_SECRET: secret,
    SLACK_MIN_SEVERITY: 'critical',
  };

  it('reads each chosen channel with its least severity, in the order ALERT_CHANNELS names them', () => {
    expect(loadConfig(every).alerts.channels).toEqual([
      { name: 'email', settings: { minSeverity: 'info' } },
      { name: 'teams', settings: { url: every.TEAMS_WEBHOOK_URL, minSeverity: 'warning' } },
      { name: 'slack', settings: { url: every.SLACK_WEBHOOK_URL, minSeverity: 'critical' } },
      {
        name: 'pagerduty',
        settings: {
          routingKey: every.PAGERDUTY_ROUTING_KEY,
          url: 'https://events.pagerduty.com/v2/enqueue',
          minSeverity: 'critical',
        },
      },
      { name: 'webhook', settings: { url: every.WEBHOOK_URL, secret, minSeverity: 'info' } },
    ]);
  });

  it('reads no setting of a channel that is not chosen', () => {
    expect(loadConfig({ ...minimal, ALERT_CHANNELS: 'email', TEAMS_WEBHOOK_URL: 'not a url' }).alerts.channels).toEqual(
      [{ name: 'email', settings: { minSeverity: 'info' } }],
    );
  });

  it.each([
    [
      { ALERT_CHANNELS: 'email,sms' },
      "ALERT_CHANNELS: 'sms' is not a channel (email, teams, slack, pagerduty, webhook)",
    ],
    [
      { TEAMS_WEBHOOK_URL: 'http://prod-01.westeurope.logic.azure.com/workflows/abc' },
      'TEAMS_WEBHOOK_URL: must be an https URL (http only to this machine)',
    ],
    [{ SLACK_WEBHOOK_URL: undefined }, 'SLACK_WEBHOOK_URL: must be set'],
    [{ WEBHOOK_URL: 'ftp://127.0.0.1/x' }, 'WEBHOOK_URL: must be an https URL'],
    [{ WEBHOOK_SECRET: 'short' }, 'WEBHOOK_SECRET: must be at least 32 bytes'],
    [{ WEBHOOK_SECRET: 'whsec_c2hvcnQ=' }, 'WEBHOOK_SECRET: must be at least 32 bytes'],
    [
      { PAGERDUTY_ROUTING_KEY: 'abc' },
      "PAGERDUTY_ROUTING_KEY: must be the service integration's 32-character routing key",
    ],
    [{ SLACK_MIN_SEVERITY: 'urgent' }, 'SLACK_MIN_SEVERITY: must be one of info, warning, critical, outage'],
  ])('rejects %j naming the setting and never its value', (settings, message) => {
    expect(() => loadConfig({ ...every, ...settings })).toThrow(message);
    expect(() => loadConfig({ ...every, ...settings })).toThrow(/^(?!.*s3cret)(?!.*signing-secret).*$/s);
  });
});
