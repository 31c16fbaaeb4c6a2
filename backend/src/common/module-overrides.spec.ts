import 'reflect-metadata';
import { DynamicModule, Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { withOverrides } from './module-overrides';

const STORE = Symbol('STORE');

@Injectable()
class Reader {}

@Module({ providers: [{ provide: STORE, useValue: 'real' }, Reader], exports: [STORE, Reader] })
class StoreModule {}

@Module({ imports: [StoreModule], providers: [{ provide: 'answer', useValue: 42 }] })
class FeatureModule {}

@Module({ providers: [{ provide: 'leaf', useValue: 'real' }] })
class LeafModule {}

describe(withOverrides.name, () => {
  it('should add each override to the module that provides its token', () => {
    const fake = { provide: 'leaf', useValue: 'fake' };
    const modules = withOverrides([FeatureModule, LeafModule], [fake]);
    expect(modules).toEqual([FeatureModule, { module: LeafModule, providers: [fake] }]);
  });

  it('should make the override win over the module’s own provider', async () => {
    const [leaf] = withOverrides([LeafModule], [{ provide: 'leaf', useValue: 'fake' }]) as DynamicModule[];
    const ref = await Test.createTestingModule({ imports: [leaf] }).compile();
    expect(ref.get('leaf')).toBe('fake');
  });

  it('should leave the modules as given without overrides', () => {
    expect(withOverrides([FeatureModule, LeafModule], [])).toEqual([FeatureModule, LeafModule]);
  });

  it('should throw for a token no module provides', () => {
    expect(() => withOverrides([LeafModule], [{ provide: 'nobody', useValue: 1 }])).toThrow('override nobody: no module of the application provides it');
  });

  it('should throw for a provider of a module another one imports', () => {
    expect(() => withOverrides([StoreModule, FeatureModule], [{ provide: Reader, useValue: {} }])).toThrow(
      'override Reader: StoreModule is imported by other modules',
    );
  });
});
