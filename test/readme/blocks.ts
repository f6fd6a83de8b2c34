/** The ```ts blocks of README.md, each with where it starts and whether it is marked typecheck-only. */
export interface ReadmeBlock {
  /** 1-based README line of the block's first code line. */
  line: number;
  code: string;
  /** The marker's reason when the block is preceded by `<!-- readme-test: typecheck-only — reason -->`. */
  typecheckOnly?: string;
}

const MARKER = /^<!--\s*readme-test:\s*typecheck-only\s*[—-]+\s*(.*?)\s*-->$/;

export function readmeBlocks(markdown: string): ReadmeBlock[] {
  const lines = markdown.split('\n');
  const blocks: ReadmeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^(`{3,})(\S*)/.exec(lines[i]!);
    if (!fence) continue;
    const end = lines.findIndex((l, j) => j > i && l.startsWith(fence[1]!));
    if (end < 0) throw new Error(`README.md:${i + 1}: unclosed code fence`);
    if (fence[2] === 'ts' || fence[2] === 'typescript') {
      // The marker sits on the last non-empty line before the fence.
      let k = i - 1;
      while (k >= 0 && lines[k]!.trim() === '') k--;
      const marker = k >= 0 ? MARKER.exec(lines[k]!.trim()) : null;
      if (marker && !marker[1]) throw new Error(`README.md:${k + 1}: a typecheck-only marker needs a reason`);
      blocks.push({
        line: i + 2,
        code: lines.slice(i + 1, end).join('\n'),
        ...(marker ? { typecheckOnly: marker[1] } : {}),
      });
    }
    i = end;
  }
  return blocks;
}

/** Markers that precede no ```ts block (a typo or a moved block): each is a mistake. */
export function strayMarkers(markdown: string): number[] {
  const lines = markdown.split('\n');
  const stray: number[] = [];
  lines.forEach((l, i) => {
    if (!/readme-test:/.test(l)) return;
    let k = i + 1;
    while (k < lines.length && lines[k]!.trim() === '') k++;
    if (!MARKER.test(l.trim()) || !/^```(ts|typescript)\b/.test(lines[k] ?? '')) stray.push(i + 1);
  });
  return stray;
}
