import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import type * as inputs from '../../src/catalog/inputs.js';
import type * as patches from '../../src/catalog/patches.js';
import type * as tenants from '../../src/tenants/inputs.js';
import type {
  CatalogInput,
  GroupInput,
  GroupPatch,
  KeyInput,
  KeyPatch,
  MemberInput,
  ModelInput,
  ModelPatch,
  ProviderInput,
  ProviderPatch,
  TenantInput,
  TenantPatch,
  VirtualKeyInput,
  VirtualKeyPatch,
} from '../../src/index.js';
import { entries } from '../../tsup.config.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The same fields, each assignable to the other: the schema accepts exactly what the documented
 * interface says (nested inputs are compared by assignability here, and field by field on their own).
 */
type Same<A, B> = [keyof A] extends [keyof B]
  ? [keyof B] extends [keyof A]
    ? [A] extends [B]
      ? [B] extends [A]
        ? true
        : false
      : false
    : false
  : false;

describe('catalog and tenant inputs are documented interfaces, and the schemas validate exactly them', () => {
  it('each schema accepts its interface and nothing the interface does not allow', () => {
    expectTypeOf<Same<z.input<typeof inputs.keyInputSchema>, KeyInput>>().toEqualTypeOf<true>();
    expectTypeOf<Same<z.input<typeof inputs.providerInputSchema>, ProviderInput>>().toEqualTypeOf<true>();
    expectTypeOf<Same<z.input<typeof inputs.modelInputSchema>, ModelInput>>().toEqualTypeOf<true>();
    expectTypeOf<Same<z.input<typeof inputs.memberInputSchema>, MemberInput>>().toEqualTypeOf<true>();
    expectTypeOf<Same<z.input<typeof inputs.groupInputSchema>, GroupInput>>().toEqualTypeOf<true>();
    expectTypeOf<Same<z.input<typeof inputs.catalogInputSchema>, CatalogInput>>().toEqualTypeOf<true>();
    expectTypeOf<Same<z.input<typeof patches.providerPatchSchema>, ProviderPatch>>().toEqualTypeOf<true>();
    expectTypeOf<Same<z.input<typeof patches.keyPatchSchema>, KeyPatch>>().toEqualTypeOf<true>();
    expectTypeOf<Same<z.input<typeof patches.modelPatchSchema>, ModelPatch>>().toEqualTypeOf<true>();
    expectTypeOf<Same<z.input<typeof patches.groupPatchSchema>, GroupPatch>>().toEqualTypeOf<true>();
    expectTypeOf<Same<z.input<typeof tenants.tenantInputSchema>, TenantInput>>().toEqualTypeOf<true>();
    expectTypeOf<Same<z.input<typeof tenants.tenantPatchSchema>, TenantPatch>>().toEqualTypeOf<true>();
    expectTypeOf<
      Same<z.input<typeof tenants.virtualKeyInputSchema>, VirtualKeyInput>
    >().toEqualTypeOf<true>();
    // revokedAt is the router's own (revokeVirtualKey), not an admin input: the schema refuses it.
    expectTypeOf<
      Same<z.input<typeof tenants.virtualKeyPatchSchema>, Omit<VirtualKeyPatch, 'revokedAt'>>
    >().toEqualTypeOf<true>();
    // The check can fail: a schema field the interface lacks, or a looser type, is not the same.
    expectTypeOf<Same<{ a?: number; b?: string }, { a?: number }>>().toEqualTypeOf<false>();
    expectTypeOf<Same<{ a?: number | string }, { a?: number }>>().toEqualTypeOf<false>();
  });
});

/**
 * Public option and input types that are not settings with defaults, or not this check's yet — each
 * with its reason. Any other exported `…Options`, `…Input`, `…Patch` or `…Limits` type is checked.
 */
const NOT_SETTINGS: Record<string, string> = {
  ProviderErrorOptions: "the fields of an error an adapter throws, not a setting (they are the error's own)",
  RouterErrorOptions: 'the fields of a RouterError, not a setting',
  ReserveInput: 'what the router hands a QuotaStore implementation, not a setting',
  SettleInput: 'what the router hands a QuotaStore implementation, not a setting',
  VirtualKeyInput:
    'derived from its zod schema (src/tenants/inputs.ts); to be written as a documented interface',
  VirtualKeyPatch:
    'derived from its zod schema (src/tenants/inputs.ts); to be written as a documented interface',
};

interface Finding {
  type: string;
  property: string;
  problem: 'no doc' | 'no @default';
}

/** Every property of every public option type, as an editor shows it from the shipped .d.ts. */
function undocumented(): { checked: string[]; findings: Finding[] } {
  const files = Object.keys(entries).map((e) => `${root}dist/${e}.d.ts`);
  const program = ts.createProgram(files, {
    strict: true,
    skipLibCheck: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
  });
  const checker = program.getTypeChecker();
  const checked = new Set<string>();
  const findings: Finding[] = [];
  for (const file of files) {
    const module = checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
    for (const exported of checker.getExportsOfModule(module)) {
      if (!/(Options|Input|Patch|Limits)$/.test(exported.name) || exported.name in NOT_SETTINGS) continue;
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      if (!(symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias))) continue;
      if (checked.has(exported.name)) continue;
      checked.add(exported.name);
      for (const property of checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(symbol))) {
        const doc = ts.displayPartsToString(property.getDocumentationComment(checker)).trim();
        const tags = property.getJsDocTags(checker).map((t) => t.name);
        const where = { type: exported.name, property: property.name };
        if (!doc && tags.length === 0) findings.push({ ...where, problem: 'no doc' });
        else if (property.flags & ts.SymbolFlags.Optional && !tags.includes('default'))
          findings.push({ ...where, problem: 'no @default' });
      }
    }
  }
  return { checked: [...checked].sort(), findings };
}

describe('the shipped types document every public option', () => {
  beforeAll(async () => {
    // `npm test` builds first; a bare `vitest run` builds here so the test never reads a missing dist.
    if (!existsSync(`${root}dist/index.d.ts`))
      await promisify(execFile)('npx', ['tsup'], { cwd: root, timeout: 120_000 });
  }, 180_000);

  it('every property of every exported …Options / …Input / …Patch / …Limits type has a doc, and every optional one a @default', () => {
    const { checked, findings } = undocumented();
    // The check reaches every entry: the router's, the adapters', the subpaths' options.
    for (const name of [
      'ModelRouterOptions',
      'TimeoutOptions',
      'KeyInput',
      'GroupPatch',
      'OpenAICompatibleOptions',
      'AdapterLimits',
      'PostgresStorageOptions',
      'RedisQuotaOptions',
      'RelayHandlerOptions',
      'RouterProviderOptions',
      'MockProviderOptions',
    ])
      expect(checked).toContain(name);
    expect(findings).toEqual([]);
  });

  it('no public type shows zod (nor imports it: zod is bundled, not a dependency)', () => {
    const dts = Object.keys(entries).map((e) => `${root}dist/${e}.d.ts`);
    const program = ts.createProgram(dts, { skipLibCheck: true, module: ts.ModuleKind.NodeNext });
    const files = program.getSourceFiles().filter((f) => f.fileName.startsWith(`${root}dist/`));
    expect(files.length).toBeGreaterThan(6);
    for (const file of files)
      expect(file.text, file.fileName).not.toMatch(
        /from ["']zod|import ["']zod|z\.core\.|z\.input<|Zod[A-Z]\w*</,
      );
  });
});
