/** ARM's error replies. */
import { errorReply, type Reply } from './server.js';

export function resourceNotFound(resourceType: string, name: string, resourceGroup: string): Reply {
  return errorReply(
    404,
    'ResourceNotFound',
    `The Resource '${resourceType}/${name}' under resource group '${resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  );
}

export function resourceGroupNotFound(resourceGroup: string): Reply {
  return errorReply(404, 'ResourceGroupNotFound', `Resource group '${resourceGroup}' could not be found.`);
}

export function subscriptionNotFound(subscriptionId: string): Reply {
  return errorReply(404, 'SubscriptionNotFound', `The subscription '${subscriptionId}' could not be found.`);
}

export function badRequest(code: string, message: string): Reply {
  return errorReply(400, code, message);
}

const faultCodes: Record<number, [string, string]> = {
  400: ['InvalidRequestContent', 'The request content was invalid and could not be deserialized.'],
  401: ['InvalidAuthenticationToken', 'The access token is invalid.'],
  403: [
    'AuthorizationFailed',
    'The client does not have authorization to perform this action over this scope or the scope is invalid. If access was recently granted, please refresh your credentials.',
  ],
  404: [
    'ResourceNotFound',
    'The resource was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix',
  ],
  409: ['Conflict', 'The request conflicts with the current state of the resource.'],
  429: [
    'SubscriptionRequestsThrottled',
    "Number of 'read' requests for this subscription exceeded. Please try again after '1' seconds.",
  ],
  500: ['InternalServerError', 'Encountered internal server error.'],
  503: ['ServiceUnavailable', 'The service is currently unavailable.'],
};

export function armFault(status: number): Reply {
  const [code, message] = faultCodes[status] ?? ['Error', `Injected failure (${status}).`];
  return errorReply(status, code, message);
}
