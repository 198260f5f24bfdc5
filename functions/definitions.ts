import { api } from './api.js';
import type { FunctionDefinition } from './definition.js';
import { expiryScan } from './expiryScan.js';

export const definitions: readonly FunctionDefinition[] = [expiryScan, ...api];
