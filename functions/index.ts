import { register } from './definition.js';
import { definitions } from './definitions.js';

register(definitions);
