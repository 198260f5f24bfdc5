import { alertDelivery } from './alertDelivery.js';
import { alertDigest } from './alertDigest.js';
import { api } from './api.js';
import type { FunctionDefinition } from './definition.js';
import { events } from './events.js';
import { expiryScan } from './expiryScan.js';

export const definitions: readonly FunctionDefinition[] = [expiryScan, alertDelivery, ...alertDigest(), ...events, ...api];
