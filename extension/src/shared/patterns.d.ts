export function parsePrefix(prefix: string): { host: string; path: string };
export function matchPattern(prefix: string): string;
export function matchPatterns(systems: ReadonlyArray<{ app: string; login?: ReadonlyArray<string> }>): string[];
