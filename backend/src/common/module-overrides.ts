import { DynamicModule, Provider, Type } from '@nestjs/common';

type Token = unknown;

const tokenOf = (provider: Provider): Token => (typeof provider === 'function' ? provider : provider.provide);
const nameOf = (token: Token): string =>
  typeof token === 'function' ? token.name : typeof token === 'symbol' ? token.toString() : String(token);
const metadata = (module: Type, key: 'providers' | 'imports'): unknown[] => Reflect.getMetadata(key, module) ?? [];

/**
 * Replaces providers of `modules` by token (tests hand in a fake store, clock…): each override is added
 * to the module that provides its token, where it wins over the module's own provider. Only a module
 * that none of the others imports can take overrides: Nest would create a second instance of a module
 * imported both as given and as extended. A token no module provides, or one of an imported module,
 * throws with its name.
 */
export function withOverrides(modules: Type[], overrides: Provider[]): (Type | DynamicModule)[] {
  const imported = new Set(modules.flatMap((module) => metadata(module, 'imports')));
  const added = new Map<Type, Provider[]>();
  for (const override of overrides) {
    const token = tokenOf(override);
    const owner = modules.find((module) => metadata(module, 'providers').some((provider) => tokenOf(provider as Provider) === token));
    if (!owner) throw new Error(`override ${nameOf(token)}: no module of the application provides it`);
    if (imported.has(owner)) {
      throw new Error(`override ${nameOf(token)}: ${owner.name} is imported by other modules; override it with Test.createTestingModule(…).overrideProvider()`);
    }
    added.set(owner, [...(added.get(owner) ?? []), override]);
  }
  return modules.map((module) => (added.has(module) ? { module, providers: added.get(module) } : module));
}
