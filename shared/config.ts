import { z } from 'zod';
import { addressList } from './adapters/addresses.js';
import type { ChannelAlertSettings, ChannelChoice } from './adapters/channels/channel.js';
import { channelDefinitions } from './adapters/channels/index.js';
import type { MailConfig } from './adapters/mail/mailTransport.js';
import type { TablesLocation } from './adapters/tables/tables.js';
import type { AlertSettings } from './application/alertSettings.js';
import { defaultRetention, type RetentionAges } from './application/retention.js';
import { guidPattern } from './domain/guid.js';
import { isSchedule } from './schedule.js';

export type { ChannelChoice };
export { defaultRetention };

const list = z.string().transform((value) => value.split(/[,;\s]+/).filter(Boolean));

const httpsUrl = z
  .url({ protocol: /^https$/, message: 'must be an https URL' })
  .transform((value) => value.replace(/\/+$/, ''));

const positiveInt = (fallback: number, max: number) => z.coerce.number().int().min(1).max(max).default(fallback);

const loopback = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Whether `value` is an https URL, or an http one to this machine (the sandbox); a value that is no URL is left to `z.url`. */
function httpsOrLoopback(value: string): boolean {
  if (!URL.canParse(value)) return true;
  const url = new URL(value);
  return url.protocol === 'https:' || loopback.has(url.hostname);
}

const email = z.email({ message: 'must be an email address' });

const channelNames = channelDefinitions.map((definition) => definition.name);

/** NCRONTAB: six fields, seconds first, as the Functions timer trigger reads it. */
const ncrontab = z.string().refine((value) => value.split(/\s+/).length === 6 && isSchedule(value), {
  message: 'must be an NCRONTAB expression of six fields, seconds first (e.g. 0 0 * * * *)',
});

const thresholds = list
  .pipe(
    z
      .array(
        z
          .string()
          .regex(/^\d+$/, 'must be whole days, comma-separated')
          .transform(Number)
          .pipe(z.number().min(1).max(3650)),
      )
      .min(1),
  )
  .transform((days) => [...new Set(days)].sort((a, b) => b - a));

const settings = z
  .object({
    SUBSCRIPTION_IDS: list
      .pipe(z.array(z.string().regex(guidPattern, 'each entry must be a subscription id (GUID)')))
      .default([]),
    INVENTORY_FILE: z.string().min(1).optional(),
    ARM_ENDPOINT: httpsUrl.default('https://management.azure.com'),
    POWER_PLATFORM_ENDPOINT: httpsUrl.default('https://api.bap.microsoft.com'),
    POWER_PLATFORM_SCOPE: z.string().min(1).default('https://service.powerapps.com/.default'),
    TABLES_ENDPOINT: z.url().optional(),
    TABLES_CONNECTION_STRING: z.string().min(1).optional(),
    TABLE_PREFIX: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9]{0,29}$/, 'must be letters and digits, starting with a letter, at most 30')
      .default('cmk'),
    EXPIRY_WARNING_DAYS: positiveInt(30, 3650),
    ACCESS_REFUSAL_QUIET_MINUTES: positiveInt(30, 1440),
    AZURE_CLIENT_ID: z
      .string()
      .trim()
      .regex(guidPattern, "must be the client id (GUID) of the monitor's managed identity")
      .optional(),
    SCAN_SCHEDULE: ncrontab.default('0 0 * * * *'),
    ALERT_DIGEST_SCHEDULE: ncrontab.optional(),
    SCAN_CONCURRENCY: positiveInt(8, 64),
    FUNCTION_APP_ID: z
      .string()
      .regex(
        /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Web\/sites\/[^/]+$/i,
        "must be the function app's ARM resource id (/subscriptions/…/providers/Microsoft.Web/sites/…)",
      )
      .optional(),
    KEY_READS: z
      .enum(['auto', 'arm', 'dataPlane'], { message: "must be 'auto', 'arm' or 'dataPlane'" })
      .default('auto'),
    MAIL_TRANSPORT: z.enum(['none', 'smtp', 'acs'], { message: "must be 'smtp', 'acs' or 'none'" }).default('none'),
    MAIL_FROM: email.optional(),
    SMTP_HOST: z.string().min(1).optional(),
    SMTP_PORT: positiveInt(587, 65535),
    SMTP_SECURE: z.enum(['true', 'false'], { message: "must be 'true' or 'false'" }).default('false'),
    SMTP_USER: z.string().min(1).optional(),
    SMTP_PASSWORD: z.string().min(1).optional(),
    ACS_ENDPOINT: httpsUrl.optional(),
    ACS_CONNECTION_STRING: z.string().min(1).optional(),
    ALERT_CHANNELS: list
      .pipe(
        z.array(
          z.string().refine((name) => channelNames.includes(name), {
            error: (issue) => `'${String(issue.input)}' is not a channel (${channelNames.join(', ')})`,
          }),
        ),
      )
      .default(['email']),
    ALERT_TO_KEYVAULT_ADMINS: addressList.default([]),
    ALERT_TO_POWERPLATFORM_ADMINS: addressList.default([]),
    ALERT_TO_MONITOR_ADMINS: addressList.default([]),
    ALERT_THRESHOLDS_DAYS: thresholds.default([30, 14, 7, 3, 1]),
    DASHBOARD_URL: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).optional(),
    HEARTBEAT_URL: z
      .url({ protocol: /^https?$/, message: 'must be an http(s) URL' })
      .refine(httpsOrLoopback, { message: 'must be an https URL (http only to this machine)' })
      .optional(),
    'AzureWebJobs.keyVaultAuditEvents.Disabled': z
      .enum(['true', 'false', '1', '0'], { message: 'must be true or false' })
      .optional(),
    RETAIN_HISTORY_DAYS: positiveInt(defaultRetention.historyDays, 36_500),
    RETAIN_REJECTED_EVENTS_DAYS: positiveInt(defaultRetention.rejectedEventsDays, 3650),
    RETAIN_EVENT_COUNTS_DAYS: positiveInt(defaultRetention.eventCountsDays, 3650),
    RETAIN_SENT_ALERTS_DAYS: positiveInt(defaultRetention.sentAlertsDays, 3650),
  })
  .superRefine((value, ctx) => {
    if (!value.INVENTORY_FILE && value.SUBSCRIPTION_IDS.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['SUBSCRIPTION_IDS'],
        message: 'set SUBSCRIPTION_IDS (the subscriptions holding enterprise policies) or INVENTORY_FILE',
      });
    }
    if (!value.TABLES_ENDPOINT && !value.TABLES_CONNECTION_STRING) {
      ctx.addIssue({
        code: 'custom',
        path: ['TABLES_ENDPOINT'],
        message: 'set TABLES_ENDPOINT (managed identity) or TABLES_CONNECTION_STRING',
      });
    }
    const furthest = Math.max(...value.ALERT_THRESHOLDS_DAYS);
    if (furthest > value.EXPIRY_WARNING_DAYS) {
      ctx.addIssue({
        code: 'custom',
        path: ['ALERT_THRESHOLDS_DAYS'],
        message: `${furthest} days is further out than EXPIRY_WARNING_DAYS (${value.EXPIRY_WARNING_DAYS}), where key-expiring starts: raise that or lower this`,
      });
    }
    if (value.MAIL_TRANSPORT !== 'none' && !value.MAIL_FROM) {
      ctx.addIssue({
        code: 'custom',
        path: ['MAIL_FROM'],
        message: `set the sender address for MAIL_TRANSPORT=${value.MAIL_TRANSPORT}`,
      });
    }
    if (value.MAIL_TRANSPORT === 'smtp' && !value.SMTP_HOST) {
      ctx.addIssue({ code: 'custom', path: ['SMTP_HOST'], message: 'set the SMTP server for MAIL_TRANSPORT=smtp' });
    }
    if (value.MAIL_TRANSPORT === 'acs' && !value.ACS_ENDPOINT && !value.ACS_CONNECTION_STRING) {
      ctx.addIssue({
        code: 'custom',
        path: ['ACS_ENDPOINT'],
        message: 'set ACS_ENDPOINT (managed identity) or ACS_CONNECTION_STRING for MAIL_TRANSPORT=acs',
      });
    }
  });

export type Settings = z.output<typeof settings>;

/** Every app setting `loadConfig` reads. */
export const settingNames: readonly string[] = Object.keys(settings.shape);

export interface Config {
  inventory: { source: 'azure'; subscriptionIds: string[] } | { source: 'file'; path: string };
  armEndpoint: string;
  powerPlatformEndpoint: string;
  powerPlatformScope: string;
  tables: TablesLocation;
  tablePrefix: string;
  expiringWithinDays: number;
  /** key-access-failing holds until a policy identity's calls have gone unrefused this long. */
  refusalQuietMinutes: number;
  /** The client id of the monitor's own identity, whose calls in Key Vault's audit records are its own; null when not set. */
  monitorClientId: string | null;
  /** The timer scan's NCRONTAB schedule; the function reads it as %SCAN_SCHEDULE%. */
  scanSchedule: string;
  /** The daily digest's schedule; null when there is no digest. */
  digestSchedule: string | null;
  scanConcurrency: number;
  /** Where keys are read: Resource Manager, falling back to the data plane (auto), or one of them only. */
  keyReads: 'auto' | 'arm' | 'dataPlane';
  /** This monitor's function app's ARM id, to tell its event subscriptions from others; null when not set: event coverage is then not read. */
  functionAppId: string | null;
  /** Pinged after every successful scan, so that something outside Azure misses a monitor that stopped; null when not set. */
  heartbeatUrl: string | null;
  /** Whether the Key Vault audit records reach the monitor (its keyVaultAuditEvents function is not disabled). */
  auditLogs: boolean;
  alerts: AlertConfig;
  retention: RetentionAges;
}

/** The alert settings: what the use cases read, and what the channels read. */
export interface AlertConfig extends AlertSettings, ChannelAlertSettings {
  /** Where alerts go, in the order ALERT_CHANNELS names them. */
  channels: ChannelChoice[];
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Validates the app settings once; the message names every bad setting and never echoes a value. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const values = blankToUndefined(env);
  const parsed = settings.safeParse(values);
  const chosen = parsed.success
    ? channelDefinitions.filter((definition) => parsed.data.ALERT_CHANNELS.includes(definition.name))
    : [];
  const channels = chosen.map((definition) => ({
    name: definition.name,
    parsed: definition.settings.safeParse(values),
  }));
  const issues = [
    ...(parsed.success ? [] : parsed.error.issues),
    ...channels.flatMap((channel) => (channel.parsed.success ? [] : channel.parsed.error.issues)),
  ];
  if (!parsed.success || issues.length) {
    const problems = issues.map((issue) => `${String(issue.path[0] ?? '?')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration. ${problems.join('; ')}`);
  }
  const appSettings = parsed.data;
  return {
    inventory: appSettings.INVENTORY_FILE
      ? { source: 'file', path: appSettings.INVENTORY_FILE }
      : { source: 'azure', subscriptionIds: appSettings.SUBSCRIPTION_IDS },
    armEndpoint: appSettings.ARM_ENDPOINT,
    powerPlatformEndpoint: appSettings.POWER_PLATFORM_ENDPOINT,
    powerPlatformScope: appSettings.POWER_PLATFORM_SCOPE,
    tables: appSettings.TABLES_ENDPOINT
      ? { kind: 'endpoint', url: appSettings.TABLES_ENDPOINT }
      : { kind: 'connectionString', connectionString: appSettings.TABLES_CONNECTION_STRING ?? '' },
    tablePrefix: appSettings.TABLE_PREFIX,
    expiringWithinDays: appSettings.EXPIRY_WARNING_DAYS,
    refusalQuietMinutes: appSettings.ACCESS_REFUSAL_QUIET_MINUTES,
    monitorClientId: appSettings.AZURE_CLIENT_ID ?? null,
    scanSchedule: appSettings.SCAN_SCHEDULE,
    digestSchedule: appSettings.ALERT_DIGEST_SCHEDULE ?? null,
    scanConcurrency: appSettings.SCAN_CONCURRENCY,
    keyReads: appSettings.KEY_READS,
    functionAppId: appSettings.FUNCTION_APP_ID ?? null,
    heartbeatUrl: appSettings.HEARTBEAT_URL ?? null,
    auditLogs: !['true', '1'].includes(appSettings['AzureWebJobs.keyVaultAuditEvents.Disabled'] ?? 'false'),
    alerts: {
      channels: channels.flatMap((channel) =>
        channel.parsed.success ? [{ name: channel.name, settings: channel.parsed.data }] : [],
      ),
      mail: mailConfig(appSettings),
      from: appSettings.MAIL_FROM ?? null,
      keyvaultAdmins: appSettings.ALERT_TO_KEYVAULT_ADMINS,
      powerplatformAdmins: appSettings.ALERT_TO_POWERPLATFORM_ADMINS,
      monitorAdmins: appSettings.ALERT_TO_MONITOR_ADMINS,
      thresholdsDays: appSettings.ALERT_THRESHOLDS_DAYS,
      dashboardUrl: appSettings.DASHBOARD_URL ?? null,
    },
    retention: {
      historyDays: appSettings.RETAIN_HISTORY_DAYS,
      rejectedEventsDays: appSettings.RETAIN_REJECTED_EVENTS_DAYS,
      eventCountsDays: appSettings.RETAIN_EVENT_COUNTS_DAYS,
      sentAlertsDays: appSettings.RETAIN_SENT_ALERTS_DAYS,
    },
  };
}

function mailConfig(appSettings: Settings): MailConfig {
  switch (appSettings.MAIL_TRANSPORT) {
    case 'none':
      return { kind: 'none' };
    case 'smtp':
      return {
        kind: 'smtp',
        host: appSettings.SMTP_HOST ?? '',
        port: appSettings.SMTP_PORT,
        secure: appSettings.SMTP_SECURE === 'true',
        user: appSettings.SMTP_USER ?? null,
        password: appSettings.SMTP_PASSWORD ?? null,
      };
    case 'acs':
      return appSettings.ACS_ENDPOINT
        ? { kind: 'acs', endpoint: appSettings.ACS_ENDPOINT }
        : { kind: 'acs', connectionString: appSettings.ACS_CONNECTION_STRING ?? '' };
  }
}

function blankToUndefined(env: Record<string, string | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v?.trim() ? v.trim() : undefined]));
}
