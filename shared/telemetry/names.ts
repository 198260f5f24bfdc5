import names from './names.json' with { type: 'json' };

/** The metrics the monitor emits, by key: the one list the alert rules and the workbook read too (names.json). */
export const metricNames = names.metrics;
export type MetricKey = keyof typeof names.metrics;
export const spanNames = names.spans;
export const meterName = names.meter;
