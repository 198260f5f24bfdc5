/** The name an ARM resource id ends with (a trailing slash ignored): a vault's, a policy's, a role definition's GUID. */
export function nameOf(resourceId: string): string {
  return resourceId.split('/').filter(Boolean).pop() ?? resourceId;
}
