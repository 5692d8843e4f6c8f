/**
 * `json` blocks must be JSON; `jsonc` blocks JSON once their comments are removed (the `// header
 * {...}` and `// POST ...` lines the READMEs put above a token or an answer).
 */
export function parseJsonBlock(lang: string, code: string): unknown {
  return JSON.parse(lang === 'jsonc' ? withoutComments(code) : code);
}

/** Removes `//` and `/* *\/` comments outside strings. */
function withoutComments(code: string): string {
  let out = '';
  for (let i = 0; i < code.length; i++) {
    const c = code[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < code.length && code[j] !== '"') j += code[j] === '\\' ? 2 : 1;
      out += code.slice(i, j + 1);
      i = j;
    } else if (c === '/' && code[i + 1] === '/') {
      while (i < code.length && code[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && code[i + 1] === '*') {
      i = code.indexOf('*/', i + 2) + 1;
      if (i === 0) throw new SyntaxError('unclosed /* comment');
    } else {
      out += c;
    }
  }
  return out;
}
