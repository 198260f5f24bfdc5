/**
 * `npm run bench -- --quick` (or `--quick` after one part's file): a small tenant, fewer events and fewer runs, through
 * the same code paths and with the same figures printed, so CI can run every part in seconds.
 */
export const quick = process.argv.includes('--quick');
