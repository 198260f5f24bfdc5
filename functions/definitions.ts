import { alertDelivery } from './alertDelivery.js';
import { alertDigest } from './alertDigest.js';
import { api } from './api.js';
import { auditEvents } from './auditEvents.js';
import type { FunctionDefinition } from './definition.js';
import { events } from './events.js';
import { expiryScan } from './expiryScan.js';
import { observed } from './observed.js';
import { retention } from './retention.js';

export const definitions: readonly FunctionDefinition[] = [
  expiryScan,
  alertDelivery,
  alertDigest,
  retention,
  ...events,
  ...auditEvents,
  ...api,
].map(observed);
