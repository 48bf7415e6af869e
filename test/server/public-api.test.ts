// The package's public surface, as a developer sees it: what index.ts exports, each with TSDoc
// (functions, types, and every field of an options or result type), and a router that exposes
// close(), health() and metrics() and nothing else.
import { resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as api from '../../server/index';
import { visitorOffers } from '../../server/router';

const INDEX = resolve('server/index.ts');

/** Every name index.ts exports, with its TSDoc and, for object types, its undocumented fields. */
function exportedDocs(): Array<{ name: string; doc: string; undocumentedFields: string[] }> {
  const program = ts.createProgram([INDEX], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, strict: true, noEmit: true });
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(INDEX);
  if (!file) throw new Error('no index.ts');
  const moduleSymbol = checker.getSymbolAtLocation(file);
  if (!moduleSymbol) throw new Error('index.ts is not a module');
  return checker.getExportsOfModule(moduleSymbol).map((exported) => {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const doc = ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim();
    const undocumentedFields: string[] = [];
    const declaration = symbol.declarations?.[0];
    if (declaration && ts.isInterfaceDeclaration(declaration)) {
      for (const member of checker.getDeclaredTypeOfSymbol(symbol).getProperties()) {
        if (ts.displayPartsToString(member.getDocumentationComment(checker)).trim() === '') undocumentedFields.push(member.name);
      }
    }
    return { name: exported.name, doc, undocumentedFields };
  });
}

describe('the package exports', () => {
  const docs = exportedDocs();

  it('the router factory, the offers readers, the environment reader and the error', () => {
    expect(Object.keys(api).sort()).toEqual(['ConfigError', 'loadOffersFile', 'optionsFromEnv', 'parseOffers', 'parseOffersText', 'visitorOffers']);
  });

  it('each with TSDoc', () => {
    expect(docs.filter((d) => d.doc === '').map((d) => d.name)).toEqual([]);
  });

  it('and TSDoc on every field of every exported interface (options, health, offers)', () => {
    expect(docs.filter((d) => d.undocumentedFields.length > 0).map((d) => `${d.name}: ${d.undocumentedFields.join(', ')}`)).toEqual([]);
  });
});

describe('a router', () => {
  it('is a request handler with close(), health() and metrics(), and nothing else public', async () => {
    const router = visitorOffers({ datafast: { apiKey: 'df_public_api' }, dataDir: resolve('node_modules/.cache/vo-public-api'), logLevel: 'silent' });
    try {
      expect(typeof router).toBe('function');
      expect(router.length).toBe(3);
      expect(Object.keys(router).sort()).toEqual(['close', 'health', 'metrics']);
      expect(Object.getOwnPropertyNames(router).filter((n) => !['length', 'name', 'prototype'].includes(n)).sort()).toEqual(['close', 'health', 'metrics']);
      // metrics() hands out a request handler to mount; the same one each time.
      expect(typeof router.metrics()).toBe('function');
      expect(router.metrics()).toBe(router.metrics());
    } finally {
      await router.close(0);
    }
  });
});
