import { PlayFabError } from './errors.js';
import type { PlayFabInventoryItem } from './operations.js';

/**
 * GetInventoryItems' `Filter`: the OData subset PlayFab documents for it. Fields `type`, `id` and
 * `stackId`; operators `eq` and `ne` against a quoted string; `and`, `or` and parentheses. Anything
 * else is InvalidParams, so a filter never silently matches more than its author meant.
 *
 *   expression := term ("or" term)*
 *   term       := factor ("and" factor)*
 *   factor     := "(" expression ")" | field ("eq" | "ne") 'string'
 */

export type ItemPredicate = (item: PlayFabInventoryItem) => boolean;

const FIELDS: Record<string, (item: PlayFabInventoryItem) => string> = {
  type: (item) => item.Type,
  id: (item) => item.Id,
  stackId: (item) => item.StackId,
};

export type Token = { kind: 'word'; text: string } | { kind: 'string'; text: string } | { kind: '(' | ')' };

/** OData's tokens: parentheses, quoted strings ('it''s'), and words (names, operators, bare values). */
export function tokenize(filter: string, invalid: (why: string) => Error): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < filter.length) {
    const char = filter[at]!;
    if (/\s/.test(char)) {
      at++;
    } else if (char === '(' || char === ')') {
      tokens.push({ kind: char });
      at++;
    } else if (char === "'") {
      // OData doubles a quote inside a string: 'it''s'.
      let text = '';
      at++;
      for (;;) {
        if (at >= filter.length) throw invalid('a string is not closed');
        if (filter[at] === "'") {
          if (filter[at + 1] === "'") {
            text += "'";
            at += 2;
            continue;
          }
          at++;
          break;
        }
        text += filter[at++];
      }
      tokens.push({ kind: 'string', text });
    } else {
      const word = /^[^\s()']+/.exec(filter.slice(at))![0];
      tokens.push({ kind: 'word', text: word });
      at += word.length;
    }
  }
  return tokens;
}

const invalid = (why: string) =>
  new PlayFabError(
    'InvalidParams',
    `Filter: ${why}; supported are type, id and stackId with eq or ne, and, or, and parentheses`,
  );

export function parseItemFilter(filter: string): ItemPredicate {
  const tokens = tokenize(filter, invalid);
  let at = 0;
  const peekWord = () => {
    const token = tokens[at];
    return token?.kind === 'word' ? token.text : undefined;
  };

  function expression(): ItemPredicate {
    let left = term();
    while (peekWord() === 'or') {
      at++;
      const right = term();
      const before = left;
      left = (item) => before(item) || right(item);
    }
    return left;
  }
  function term(): ItemPredicate {
    let left = factor();
    while (peekWord() === 'and') {
      at++;
      const right = factor();
      const before = left;
      left = (item) => before(item) && right(item);
    }
    return left;
  }
  function factor(): ItemPredicate {
    const token = tokens[at++];
    if (token?.kind === '(') {
      const inner = expression();
      if (tokens[at++]?.kind !== ')') throw invalid('a parenthesis is not closed');
      return inner;
    }
    if (token?.kind !== 'word') throw invalid('a comparison was expected');
    const field = FIELDS[token.text];
    if (!field) throw invalid(`unknown field ${token.text}`);
    const operator = tokens[at++];
    if (operator?.kind !== 'word' || (operator.text !== 'eq' && operator.text !== 'ne')) {
      throw invalid(`${token.text} must be followed by eq or ne`);
    }
    const value = tokens[at++];
    if (value?.kind !== 'string') throw invalid(`${token.text} ${operator.text} needs a quoted string`);
    return operator.text === 'eq'
      ? (item) => field(item) === value.text
      : (item) => field(item) !== value.text;
  }

  const predicate = expression();
  if (at !== tokens.length) throw invalid('unexpected text after the filter');
  return predicate;
}
