/** Fault toggles as the page's fields hold them, and the fault list they make: shared by the Node and the browser tests. */
export const FAULT_SPEC_CASES: ReadonlyArray<readonly [Record<string, Record<string, string>>, string]> = [
  [{ status: { code: '503', retry: '5' } }, 'status:503:5'],
  [{ status: { code: '529', retry: '' } }, 'status:529'],
  [{ 'slow-headers': { ms: '40' } }, 'slow-headers:40'],
  [{ 'error-after': { n: '3' } }, 'error-after:3'],
  [{ 'drop-after': { n: '3' } }, 'drop-after:3'],
  [{ 'stall-after': { n: '2', ms: '30' } }, 'stall-after:2:30'],
  [{ 'truncate-after': { n: '4' } }, 'truncate-after:4'],
  [{ coalesce: { ms: '40' } }, 'coalesce:40'],
  [
    { coalesce: { ms: '30' }, 'stall-after': { n: '1', ms: '20' }, 'error-after': { n: '5' }, status: { code: '429', retry: '1' } },
    'status:429:1,error-after:5,stall-after:1:20,coalesce:30',
  ],
]
