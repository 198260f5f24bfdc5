import { z } from 'zod';

const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const list = z
  .string()
  .transform((value) => value.split(/[,;\s]+/).filter(Boolean));

const httpsUrl = z
  .url({ protocol: /^https$/, message: 'must be an https URL' })
  .transform((value) => value.replace(/\/+$/, ''));

const positiveInt = (fallback: number, max: number) =>
  z.coerce.number().int().min(1).max(max).default(fallback);

const settings = z
  .object({
    SUBSCRIPTION_IDS: list
      .pipe(z.array(z.string().regex(guid, 'each entry must be a subscription id (GUID)')))
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
    SCAN_CONCURRENCY: positiveInt(8, 64),
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
  });

export type Settings = z.output<typeof settings>;

export interface Config {
  inventory:
    | { source: 'azure'; subscriptionIds: string[] }
    | { source: 'file'; path: string };
  armEndpoint: string;
  powerPlatformEndpoint: string;
  powerPlatformScope: string;
  tables:
    | { kind: 'endpoint'; url: string }
    | { kind: 'connectionString'; connectionString: string };
  tablePrefix: string;
  expiringWithinDays: number;
  scanConcurrency: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Validates the app settings once; the message names every bad setting and never echoes a value. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = settings.safeParse(blankToUndefined(env));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${String(issue.path[0] ?? '?')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration. ${problems.join('; ')}`);
  }
  const s = parsed.data;
  return {
    inventory: s.INVENTORY_FILE
      ? { source: 'file', path: s.INVENTORY_FILE }
      : { source: 'azure', subscriptionIds: s.SUBSCRIPTION_IDS },
    armEndpoint: s.ARM_ENDPOINT,
    powerPlatformEndpoint: s.POWER_PLATFORM_ENDPOINT,
    powerPlatformScope: s.POWER_PLATFORM_SCOPE,
    tables: s.TABLES_ENDPOINT
      ? { kind: 'endpoint', url: s.TABLES_ENDPOINT }
      : { kind: 'connectionString', connectionString: s.TABLES_CONNECTION_STRING ?? '' },
    tablePrefix: s.TABLE_PREFIX,
    expiringWithinDays: s.EXPIRY_WARNING_DAYS,
    scanConcurrency: s.SCAN_CONCURRENCY,
  };
}

function blankToUndefined(env: Record<string, string | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v?.trim() ? v.trim() : undefined]));
}
