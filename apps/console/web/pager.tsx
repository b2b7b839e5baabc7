/**
 * 上一页 · 第 N 页 · 下一页 over a list read in cursor pages: `pages` holds the cursor that opened
 * each page seen so far ('' for the first), so going back needs no cursor of its own.
 */
export function Pager({
  label,
  pages,
  nextCursor,
  onPages,
}: {
  label: string;
  pages: readonly string[];
  nextCursor: string | null | undefined;
  onPages: (pages: string[]) => void;
}) {
  return (
    <nav class="pager" aria-label={label}>
      <button type="button" class="secondary" disabled={pages.length === 1} onClick={() => onPages(pages.slice(0, -1))}>
        上一页
      </button>
      <span>第 {pages.length} 页</span>
      <button type="button" class="secondary" disabled={!nextCursor} onClick={() => onPages([...pages, nextCursor!])}>
        下一页
      </button>
    </nav>
  );
}
