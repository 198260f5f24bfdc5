import { startTelemetry } from '../shared/telemetry/start.js';

// Telemetry starts before the functions and the Azure clients they use are imported, as the Azure Monitor distro
// asks (see start.ts); the Functions worker awaits this module, top-level awaits included.
await startTelemetry(process.env);
const [{ register }, { definitions }] = await Promise.all([import('./definition.js'), import('./definitions.js')]);
register(definitions);
