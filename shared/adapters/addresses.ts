import { z } from 'zod';

/** Email addresses separated by commas, semicolons or spaces; each one checked and named when it is not one. */
export const addressList = z
  .string()
  .transform((value) => value.split(/[,;\s]+/).filter(Boolean))
  .pipe(z.array(z.email({ error: (issue) => `'${String(issue.input)}' is not an email address` })));
