import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** An ARM template as Bicep compiles it: resources keyed by symbolic name (language version 2.0) or listed. */
export interface Template {
  parameters?: Record<string, { type: string; defaultValue?: unknown; minLength?: number }>;
  variables?: Record<string, unknown>;
  /** User-defined functions (Bicep's `func`), by namespace. */
  functions?: {
    namespace: string;
    members: Record<string, { parameters: { name: string; type: string }[]; output: { type: string; value: unknown } }>;
  }[];
  resources: Record<string, Resource> | Resource[];
  outputs?: Record<string, { type: string; value: unknown }>;
}

export interface Resource {
  type: string;
  name: string;
  condition?: string;
  existing?: boolean;
  scope?: string;
  subscriptionId?: string;
  resourceGroup?: string;
  identity?: { type: string };
  location?: string;
  sku?: Record<string, unknown>;
  /** A loop: one deployment per item of `input`. */
  copy?: { name: string; count: string };
  /** Whatever the resource type takes: an object, or an expression that gives one (`[union(...)]`). */
  properties?: unknown;
}

/** A module: a nested deployment of the template it holds, with the parameters its parent passes it. */
export interface Module extends Resource {
  type: 'Microsoft.Resources/deployments';
  properties: {
    /**
     * By name: `{ value }`, an expression giving `{ value }` (Bicep's form when the value is conditional), a
     * `{ reference }` to a Key Vault secret or a `{ copy }` loop building the value.
     */
    parameters?: Record<string, { value?: unknown } | string>;
    template: Template;
  };
}

export function isModule(resource: Resource): resource is Module {
  return resource.type === 'Microsoft.Resources/deployments';
}

/** A resource with the module path that deploys it (`[]` for main.bicep itself) and the template it sits in. */
export interface Placed {
  modules: string[];
  name: string;
  resource: Resource;
  template: Template;
}

export function compiled(file = 'main.json'): Template {
  return JSON.parse(readFileSync(fileURLToPath(new URL(`../.build/${file}`, import.meta.url)), 'utf8')) as Template;
}

function entries(template: Template): [string, Resource][] {
  return Array.isArray(template.resources)
    ? template.resources.map((resource, index) => [String(index), resource])
    : Object.entries(template.resources);
}

/** Every resource of the template and of every module below it. */
export function allResources(template: Template, modules: string[] = []): Placed[] {
  return entries(template).flatMap(([name, resource]) =>
    isModule(resource)
      ? allResources(resource.properties.template, [...modules, name])
      : [{ modules, name, resource, template }],
  );
}

/** The resources of a type that the deployment writes (not those it only reads as `existing`). */
export function ofType(template: Template, type: string): Placed[] {
  return allResources(template).filter(
    (placed) => !placed.resource.existing && placed.resource.type.toLowerCase() === type.toLowerCase(),
  );
}

/** A module of main.bicep by its symbolic name. */
export function moduleOf(template: Template, name: string): Module {
  const found = entries(template).find(([symbol]) => symbol === name)?.[1];
  if (!found || !isModule(found)) throw new Error(`main.bicep has no module named ${name}`);
  return found;
}

/** The value a module is passed for a parameter as `{ value }`; undefined when it is passed another way, or not. */
export function passedValue(module: Module, parameter: string): unknown {
  const passed = module.properties.parameters?.[parameter];
  return typeof passed === 'object' ? passed.value : undefined;
}

/** The value `variables('x')` or `variables('x').y` stands for in its own template. */
export function resolveVariables(expression: string, template: Template): string {
  return expression.replace(/variables\('(\w+)'\)(?:\.(\w+))?/g, (whole, name: string, member?: string) => {
    const value = template.variables?.[name];
    const resolved = member ? (value as Record<string, unknown> | undefined)?.[member] : value;
    return typeof resolved === 'string' ? `'${resolved}'` : whole;
  });
}

/** The resource type a `scope` expression names (`resourceId('Type', ...)`), or the deployment's own scope. */
export function scopeType(resource: Resource): string {
  if (!resource.scope) return 'deployment scope';
  return /resourceId\('([^']+)'/.exec(resource.scope)?.[1] ?? resource.scope;
}
