// Static facts about a JS/TS source file, read with the TypeScript parser (it reads JavaScript
// too): syntax errors, exported names, top-level declarations, module syntax. Used by the checks
// and by the audit of what a run wrote.

import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const ts = require('typescript');

const SCRIPT = /\.(c|m)?(j|t)sx?$/;

export function isScript(path) {
  return SCRIPT.test(path);
}

function scriptKind(path) {
  if (/\.tsx$/.test(path)) return ts.ScriptKind.TSX;
  if (/\.(c|m)?ts$/.test(path)) return ts.ScriptKind.TS;
  if (/\.jsx$/.test(path)) return ts.ScriptKind.JSX;
  return ts.ScriptKind.JS;
}

function parse(path, text) {
  return ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, scriptKind(path));
}

const hasModifier = (node, kind) => (ts.canHaveModifiers(node) ? ts.getModifiers(node) ?? [] : []).some((m) => m.kind === kind);

/** Syntax errors as messages (empty when the file parses). */
export function syntaxErrors(path, text) {
  const sf = parse(path, text);
  return (sf.parseDiagnostics ?? []).map((d) => {
    const { line, character } = sf.getLineAndCharacterOfPosition(d.start ?? 0);
    return `${line + 1}:${character + 1} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}

function isModuleExports(node) {
  return ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'module' && node.name.text === 'exports';
}

/**
 * Facts: { exports: string[] (value exports; type-only ones left out), declarations: string[]
 * (top-level functions, classes and variables), esm: boolean, cjs: boolean }.
 */
export function sourceFacts(path, text) {
  const sf = parse(path, text);
  const exports = new Set();
  const declarations = new Set();
  let esm = false;
  let cjs = false;

  const declaredNames = (statement) => {
    if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) && statement.name) return [statement.name.text];
    if (ts.isVariableStatement(statement)) {
      return statement.declarationList.declarations.filter((d) => ts.isIdentifier(d.name)).map((d) => d.name.text);
    }
    return [];
  };

  for (const statement of sf.statements) {
    for (const name of declaredNames(statement)) declarations.add(name);
    if (ts.isImportDeclaration(statement)) esm = true;
    if (ts.isExportDeclaration(statement)) {
      esm = true;
      if (!statement.isTypeOnly && statement.exportClause && ts.isNamedExports(statement.exportClause)) {
        for (const el of statement.exportClause.elements) if (!el.isTypeOnly) exports.add(el.name.text);
      }
      continue;
    }
    if (ts.isExportAssignment(statement)) {
      esm = true;
      exports.add('default');
      continue;
    }
    if (hasModifier(statement, ts.SyntaxKind.ExportKeyword)) {
      esm = true;
      if (hasModifier(statement, ts.SyntaxKind.DefaultKeyword)) exports.add('default');
      else for (const name of declaredNames(statement)) exports.add(name);
      continue;
    }
    // CommonJS: module.exports = { ... }, module.exports.x = ..., exports.x = ...
    if (ts.isExpressionStatement(statement) && ts.isBinaryExpression(statement.expression)) {
      const { left, right, operatorToken } = statement.expression;
      if (operatorToken.kind !== ts.SyntaxKind.EqualsToken) continue;
      if (isModuleExports(left)) {
        cjs = true;
        if (ts.isObjectLiteralExpression(right)) {
          for (const p of right.properties) if (p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) exports.add(p.name.text);
        } else {
          exports.add('default');
        }
      } else if (ts.isPropertyAccessExpression(left)) {
        const target = left.expression;
        if (isModuleExports(target) || (ts.isIdentifier(target) && target.text === 'exports')) {
          cjs = true;
          exports.add(left.name.text);
        }
      }
    }
  }
  if (!cjs && /\brequire\s*\(/.test(text)) cjs = true;
  return { exports: [...exports], declarations: [...declarations], esm, cjs };
}

/** TypeScript to CommonJS JavaScript, for loading a TS module at run time. */
export function transpileTs(path, text) {
  return ts.transpileModule(text, {
    fileName: path,
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
}
